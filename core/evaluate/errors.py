"""The error raised for evaluation inputs a user can fix."""

from __future__ import annotations

from i2i.errors import I2IError


class EvaluationError(I2IError):
    """Predictions and targets cannot be matched, read or scored as asked."""
