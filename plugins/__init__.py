"""First-party i2i plugins. Each subpackage is registered through the ``i2i`` entry-point group."""
