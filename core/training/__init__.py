"""Training on Hugging Face Accelerate: ``i2i.train(recipe)`` and ``i2i run``."""

from __future__ import annotations

from i2i.training.api import train

__all__ = ["train"]
