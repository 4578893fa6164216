"""Errors of the data pipeline."""

from __future__ import annotations

from i2i.errors import I2IError


class DataError(I2IError):
    """A dataset, split file or sample cannot be used as configured."""
