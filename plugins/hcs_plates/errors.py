"""The errors of the plates plugin: a plate that cannot be read, or does not fit the work."""

from __future__ import annotations

from i2i.errors import I2IError


class PlateError(I2IError):
    """A plate, well or field is missing, or its NGFF metadata is not an HCS plate's."""


class PlateLayoutError(PlateError):
    """An output plate exists with another layout (wells, fields or channels) than wanted."""
