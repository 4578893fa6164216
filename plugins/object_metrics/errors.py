"""The error raised for object-evaluation inputs a user can fix."""

from __future__ import annotations

from i2i.errors import I2IError


class ObjectEvaluationError(I2IError):
    """Images or label images cannot be paired, read or measured as asked."""
