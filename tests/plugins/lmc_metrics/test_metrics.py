"""The Light My Cells metrics against scikit-image, SciPy and scikit-learn (1e-6 relative)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy.spatial import distance
from scipy.stats import pearsonr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from sklearn.metrics import mean_absolute_error, mean_squared_error

import i2i
from i2i.testing import check_component
from i2i_plugins.lmc_metrics import METRIC_SETS
from i2i_plugins.lmc_metrics.metrics import MetricInputError
from i2i_plugins.lmc_metrics.percentile import percentile, percentile_normalize

NAMES = ["cosine", "euclidean", "mae", "mse", "pcc", "psnr", "ssim"]
RTOL = 1e-6


def challenge_normalize(image: np.ndarray) -> np.ndarray:
    """The challenge's percentile normalisation, written with numpy as its evaluation code."""
    low, high = np.percentile(image, 2), np.percentile(image, 99.8)
    return image if low == high else (image - low) / (high - low)


def reference(name: str, prediction: np.ndarray, target: np.ndarray) -> float:
    """One metric of one (H, W) plane through the reference libraries."""
    x = challenge_normalize(prediction.astype(np.float64))
    y = challenge_normalize(target.astype(np.float64))
    if name == "mae":
        return float(mean_absolute_error(y, x))
    if name == "mse":
        return float(mean_squared_error(y, x))
    if name == "ssim":
        return float(structural_similarity(y, x, data_range=max(np.ptp(x), np.ptp(y))))
    if name == "pcc":
        return float(np.nan_to_num(pearsonr(y.ravel(), x.ravel())[0]))
    if name == "euclidean":
        return float(distance.euclidean(y.ravel(), x.ravel()))
    if name == "cosine":
        return float(distance.cosine(y.ravel(), x.ravel()))
    return float(peak_signal_noise_ratio(y, x, data_range=np.ptp(y)))


def metric(name: str, **params):
    return i2i.registries.metrics.create({"name": name, **params})


def assert_agrees(name: str, prediction: np.ndarray, target: np.ndarray) -> None:
    """prediction, target (B, C, H, W) numpy: every plane agrees with the reference."""
    values = metric(name)(torch.from_numpy(prediction), torch.from_numpy(target))
    assert values.shape == prediction.shape[:2] and values.dtype == torch.float64
    for b, c in np.ndindex(*prediction.shape[:2]):
        expected = reference(name, prediction[b, c], target[b, c])
        assert float(values[b, c]) == pytest.approx(expected, rel=RTOL, abs=1e-12), (b, c)


def related_pair(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """A uint16-like target and a noisy float32 prediction of it."""
    target = rng.gamma(2.0, 300.0, shape).round()
    prediction = 0.8 * target + rng.normal(0, 200, shape) + 50
    return prediction.astype(np.float32), target.astype(np.float32)


def test_every_metric_is_registered_and_meets_the_contract():
    registry = i2i.registries.metrics
    assert set(NAMES) <= set(registry.names())
    for name in NAMES:
        check_component(registry.get(name))
        built = registry.get(name).build(registry.get(name).example)
        assert built.name == name
        assert built.higher_is_better is (name in {"ssim", "pcc", "psnr"})


@pytest.mark.parametrize("shape", [(1, 1, 7, 7), (2, 3, 16, 40), (1, 2, 97, 64)])
@pytest.mark.parametrize("name", NAMES)
def test_random_images_agree_with_reference_libraries(name, shape):
    prediction, target = related_pair(np.random.default_rng(sum(shape)), shape)
    assert_agrees(name, prediction, target)


@pytest.mark.parametrize("name", NAMES)
def test_real_isl_images_agree_with_reference_libraries(name, shared_data):
    folder = shared_data / "isl_condition_b"
    dapi = next(folder.glob("*DAPI_CONFOCAL*.png"))
    phase = next(folder.glob("*z_depth-6,channel-PHASE_CONTRAST*.png"))
    map2 = next(folder.glob("*MAP2_CONFOCAL*.png"))
    target = np.asarray(Image.open(dapi))[None, None]  # (1, 1, 1024, 1024) uint16
    predictions = np.concatenate([np.asarray(Image.open(p))[None, None] for p in (phase, map2)])
    targets = np.concatenate([target, target])  # (2, 1, 1024, 1024)
    assert_agrees(name, predictions.astype(np.int32), targets.astype(np.int32))


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(1, 300),
    q=st.floats(0, 100),
    levels=st.integers(1, 50),
    seed=st.integers(0, 2**16),
)
def test_percentile_is_numpy_linear_bit_for_bit(size, q, levels, seed):
    values = np.random.default_rng(seed).integers(0, levels, size).astype(np.float64)
    ours = percentile(torch.from_numpy(values)[None, None, None], q)
    assert float(ours[0, 0]) == np.percentile(values, q)


def test_percentile_normalize_is_not_clipped_and_leaves_constant_planes_unchanged():
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.normal(100, 10, (1, 2, 32, 32)))
    image[0, 1] = 7.0
    normalized = percentile_normalize(image)
    assert normalized[0, 0].min() < 0 and normalized[0, 0].max() > 1
    expected = challenge_normalize(image[0, 0].numpy())
    np.testing.assert_allclose(normalized[0, 0].numpy(), expected, rtol=1e-15)
    assert torch.equal(normalized[0, 1], image[0, 1])


def test_normalize_none_scores_values_as_given():
    x = torch.zeros(1, 1, 8, 8, dtype=torch.float64)
    y = torch.full((1, 1, 8, 8), 3.0, dtype=torch.float64)
    assert float(metric("mae", normalize="none")(x, y)) == 3.0
    assert float(metric("mae")(x, y)) == 3.0  # constant planes stay unchanged
    x[0, 0, 0, 0] = 1.0
    assert float(metric("mae", normalize="none")(x, y)) == pytest.approx(3 - 1 / 64)


def test_constant_prediction_gives_pcc_zero_as_the_challenge():
    target = torch.rand(1, 1, 16, 16)
    assert float(metric("pcc")(torch.ones(1, 1, 16, 16), target)) == 0.0


def test_batch_scores_equal_single_image_scores():
    prediction, target = (
        torch.from_numpy(a) for a in related_pair(np.random.default_rng(3), (3, 2, 20, 24))
    )
    for name in NAMES:
        batched = metric(name)(prediction, target)
        single = torch.cat(
            [metric(name)(prediction[i : i + 1], target[i : i + 1]) for i in range(3)]
        )
        torch.testing.assert_close(batched, single, rtol=1e-12, atol=0)


def test_mismatched_shapes_and_tiny_images_are_clear_errors():
    with pytest.raises(MetricInputError, match=r"same shape"):
        metric("mae")(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 9))
    with pytest.raises(MetricInputError, match=r"at least 7"):
        metric("ssim")(torch.zeros(1, 1, 6, 8), torch.zeros(1, 1, 6, 8))


def test_metric_sets_follow_the_challenge_and_table_1():
    assert set(METRIC_SETS["nucleus"]) == {"mae", "ssim", "pcc", "euclidean", "cosine"}
    assert METRIC_SETS["mitochondria"] == METRIC_SETS["nucleus"]
    assert METRIC_SETS["actin"] == METRIC_SETS["tubulin"] == ["ssim", "pcc"]
    assert set(METRIC_SETS["cell_painting"]) == {"mse", "ssim", "mae", "pcc", "euclidean", "cosine"}
    for names in METRIC_SETS.values():
        assert set(names) <= set(NAMES)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_metrics_run_on_the_gpu_and_match_the_cpu():
    prediction, target = (
        torch.from_numpy(a) for a in related_pair(np.random.default_rng(5), (2, 2, 64, 64))
    )
    for name in NAMES:
        on_gpu = metric(name)(prediction.cuda(), target.cuda())
        assert on_gpu.device.type == "cuda"
        torch.testing.assert_close(
            on_gpu.cpu(), metric(name)(prediction, target), rtol=1e-9, atol=0
        )
