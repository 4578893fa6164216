"""The model zoo manifest bundled with i2i (one YAML card per model)."""
