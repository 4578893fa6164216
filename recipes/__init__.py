"""Recipes bundled with i2i (YAML files in this folder)."""
