"""Percentile normalisation, as in the Light My Cells challenge (2 and 99.8 percentiles).

Each channel of each image becomes ``(x - p_low) / (p_high - p_low)`` with its own
percentiles, computed and applied by :mod:`i2i.normalization`, the implementation prediction
uses too (constant channels become zeros, non-finite values 0; without ``clip`` values may leave
[0, 1], as in the challenge metrics). The transform's ``contract`` tells prediction the
percentiles and the clipping, so a model is predicted with the input it was trained on.

The percentiles of a field do not change from one epoch to the next, so they are remembered
per field, tile and z-planes (from the sample's ``meta``) when this transform comes before any
random one: normalising a sample then costs one multiply-add.
"""

from __future__ import annotations

import numpy as np
import torch

from i2i.contract import ContractFields
from i2i.data.transforms import Sample
from i2i.normalization import PercentileBounds, image_bounds
from i2i_plugins.transforms.params import PercentileNormalizeParams


class PercentileNormalize:
    """Normalise ``input`` and/or ``target`` of a sample channel by channel."""

    def __init__(self, params: PercentileNormalizeParams):
        self.params = params
        self._bounds: dict[tuple[object, ...], PercentileBounds] = {}

    @property
    def contract(self) -> ContractFields:
        """What prediction must repeat: the percentiles and clipping of a normalised input."""
        if "input" not in self.params.keys:
            return {}
        percentiles = (self.params.low, self.params.high)
        return {"normalization": "percentile", "percentiles": percentiles, "clip": self.params.clip}

    def __call__(self, sample: Sample, rng: np.random.Generator) -> Sample:
        percentiles = (self.params.low, self.params.high)
        for key in self.params.keys:
            pixels = sample[key].detach().cpu().numpy()  # (C, H, W)
            cache_key = _field_key(sample, key, pixels.shape)
            bounds = self._bounds.get(cache_key) if cache_key else None
            if bounds is None:
                bounds = image_bounds(pixels, percentiles, _source(sample, key))
                if cache_key and len(self._bounds) < _CACHE_LIMIT:
                    self._bounds[cache_key] = bounds
            sample[key] = torch.from_numpy(bounds.normalize(pixels, self.params.clip))
        return sample


_CACHE_LIMIT = 100_000


def _source(sample: Sample, key: str) -> str:
    """What a warning about the sample's pixels names: its field, or the sample's key."""
    meta = sample.get("meta")
    field = meta.get("field_id") if isinstance(meta, dict) else None
    return f"field {field!r} ({key})" if field is not None else f"the sample's {key}"


def _field_key(sample: Sample, key: str, shape: tuple[int, ...]) -> tuple[object, ...] | None:
    """Identifies the untransformed image of a dataset sample (None outside datasets)."""
    meta = sample.get("meta")
    if not isinstance(meta, dict) or "field_id" not in meta or meta.get("augmented"):
        return None
    where = (str(meta.get("tile")), str(meta.get("z")), str(meta.get("crops")))
    return (key, meta["field_id"], *where, shape)
