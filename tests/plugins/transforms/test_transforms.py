"""Transforms: percentile normalisation and identical geometry for input and target."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import i2i


def build(name, **params):
    return i2i.registries.transforms.create({"name": name, **params})


def sample(height=20, width=30, seed=0):
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(2, height, width, generator=generator) * 1000
    return {"input": image.clone(), "target": image.clone(), "mask": torch.ones(2), "meta": {}}


def test_percentile_normalize_maps_percentiles_to_zero_and_one():
    data = sample()
    out = build("percentile_normalize")(data, np.random.default_rng(0))
    for channel in out["input"]:
        values = channel.flatten().numpy()
        assert np.percentile(values, 2) == pytest.approx(0, abs=1e-5)
        assert np.percentile(values, 99.8) == pytest.approx(1, abs=1e-5)
    assert build("percentile_normalize").contract == {
        "normalization": "percentile",
        "percentiles": (2.0, 99.8),
        "clip": False,
    }


def test_percentile_normalize_constant_and_clipped():
    data = {"input": torch.full((1, 8, 8), 7.0), "target": torch.zeros(2, 8, 8)}
    out = build("percentile_normalize")(data, np.random.default_rng(0))
    assert torch.equal(out["input"], torch.zeros(1, 8, 8))
    assert torch.equal(out["target"], torch.zeros(2, 8, 8))
    clipped = build("percentile_normalize", clip=True, keys=["input"])(sample(), None)
    assert clipped["input"].min() == 0 and clipped["input"].max() == 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e30, 1e30, allow_nan=False), min_size=1, max_size=16),
    st.floats(0, 50),
)
def test_percentile_normalize_never_gives_nan_or_inf(values, low):
    image = torch.tensor(values, dtype=torch.float32).reshape(1, 1, -1)
    out = build("percentile_normalize", low=low, keys=["input"])({"input": image}, None)
    assert torch.isfinite(out["input"]).all()


def test_percentile_normalize_ignores_nan_pixels_and_names_the_field():
    from i2i.normalization import NonFiniteWarning

    data = sample()
    clean = build("percentile_normalize")(sample(), np.random.default_rng(0))["input"]
    data["input"][0, 3, 4] = float("nan")
    data["meta"] = {"field_id": "Study_1/image_1"}
    with pytest.warns(
        NonFiniteWarning, match=r"field 'Study_1/image_1' \(input\): 1 of 1200 pixel"
    ):
        out = build("percentile_normalize", keys=["input"])(data, np.random.default_rng(0))
    assert torch.isfinite(out["input"]).all() and out["input"][0, 3, 4] == 0
    torch.testing.assert_close(out["input"][1], clean[1])  # the other channel is untouched


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("flip", {"p": 1.0}),
        ("rot90", {}),
        ("random_resized_crop", {"size": 16}),
        ("random_crop", {"size": 12}),
        ("center_crop", {"size": 40}),
        ("resize", {"size": [10, 14]}),
    ],
)
def test_input_and_target_get_the_same_geometry(name, params):
    out = build(name, **params)(sample(), np.random.default_rng(3))
    assert torch.allclose(out["input"], out["target"])


def test_flip_and_rot90_are_what_they_say():
    image = torch.arange(6.0).reshape(1, 2, 3)
    data = {"input": image, "target": image * 2}
    flipped = build("flip", axes=["horizontal"], p=1.0)(dict(data), np.random.default_rng(0))
    assert torch.equal(flipped["input"], image.flip(-1))
    assert torch.equal(flipped["target"], image.flip(-1) * 2)
    seen = set()
    for seed in range(20):
        turned = build("rot90")(dict(data), np.random.default_rng(seed))
        (k,) = [
            k for k in (1, 2, 3) if torch.equal(turned["input"], torch.rot90(image, k, (-2, -1)))
        ]
        assert torch.equal(turned["target"], turned["input"] * 2)
        seen.add(k)
    assert seen == {1, 2, 3}


def test_random_resized_crop_area_is_within_scale():
    transform = build("random_resized_crop", size=8)
    rng = np.random.default_rng(0)
    for _ in range(50):
        y0, x0, height, width = transform.box(100, 120, rng)
        assert 0.69 <= height * width / (100 * 120) <= 0.96
        assert 0 <= y0 <= 100 - height and 0 <= x0 <= 120 - width


def test_targets_are_resized_as_images_not_masks():
    target = torch.zeros(1, 8, 8)
    target[:, :, 4:] = 1.0
    out = build("resize", size=5)({"input": target.clone(), "target": target}, None)
    values = out["target"].unique()
    assert ((values > 0) & (values < 1)).any(), "bilinear gives intermediate values"


def test_crops_pad_small_images_by_their_edge():
    out = build("center_crop", size=6)(
        {"input": torch.ones(1, 2, 2), "target": torch.ones(1, 2, 2)}, None
    )
    assert out["input"].shape == (1, 6, 6) and torch.equal(out["input"], torch.ones(1, 6, 6))


def test_validation_counterparts():
    from i2i.data.transforms import validation_transforms

    train = [
        build("percentile_normalize"),
        build("random_resized_crop", size=16),
        build("random_crop", size=8),
        build("flip"),
        build("rot90"),
    ]
    names = [type(t).__name__ for t in validation_transforms(train)]
    assert names == ["PercentileNormalize", "Resize", "CenterCrop"]


def test_bad_params_are_rejected():
    with pytest.raises(ValueError, match="low"):
        build("percentile_normalize", low=99, high=2)
    with pytest.raises(ValueError, match="scale"):
        build("random_resized_crop", scale=[0.9, 1.2])
