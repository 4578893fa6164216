"""The sliding-window engine of i2i.prediction: windows, tile grids, blending, streaming."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from predict_support import DownUpNet, local_net

from i2i.prediction.sliding_window import sliding_window_predict
from i2i.prediction.tiling import TileGrid, TilingError, plan_axis, read_reflected, reflect_indices
from i2i.prediction.tta import tta_forward
from i2i.prediction.window import gaussian_profile
from i2i.tiling import Tiling


def tiled(net, image: np.ndarray, multiple_of: int = 1, **tiling) -> np.ndarray:
    """Predict a (C, H, W) array with the engine into an in-memory (C_out, H, W) array."""
    rows_written: list[slice] = []
    result: dict[str, np.ndarray] = {}

    def write(rows: slice, block: np.ndarray) -> None:
        if "out" not in result:
            result["out"] = np.full((block.shape[0], *image.shape[1:]), np.nan, np.float32)
        rows_written.append(rows)
        result["out"][:, rows] = block

    with torch.no_grad():
        sliding_window_predict(
            net,
            lambda y, x: image[:, y, x],
            image.shape[1:],
            write,
            Tiling(**tiling),
            multiple_of=multiple_of,
        )
    starts = [r.start for r in rows_written]
    assert starts == sorted(starts) and rows_written[0].start == 0
    assert all(a.stop == b.start for a, b in itertools.pairwise(rows_written))
    assert rows_written[-1].stop == image.shape[1]
    return result["out"]


def one_pass(net, image: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return net(torch.from_numpy(image)[None])[0].numpy()


def smooth_image(channels: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width] / 9.0
    planes = [np.sin(yy * rng.uniform(0.5, 2) + xx * rng.uniform(0.5, 2)) for _ in range(channels)]
    return (np.stack(planes) + 0.1 * rng.standard_normal((channels, height, width))).astype(
        np.float32
    )


# -- window -------------------------------------------------------------------------------------


def test_gaussian_window_peaks_at_the_centre_and_is_zero_on_the_border():
    window = np.outer(gaussian_profile(64, border=4), gaussian_profile(48, border=3))
    assert window.shape == (64, 48)
    assert 0.99 < window.max() <= 1.0
    np.testing.assert_allclose(window, window[::-1, ::-1], atol=1e-7)
    assert (window[:4] == 0).all() and (window[-4:] == 0).all()
    assert (window[:, :3] == 0).all() and (window[:, -3:] == 0).all()
    assert (window[4:-4, 3:-3] > 0).all()


def test_gaussian_profile_sigma_is_a_fraction_of_the_tile():
    profile = gaussian_profile(81, sigma_fraction=0.125)
    sigma = 0.125 * 81
    assert profile[40] == 1.0
    assert profile[40 + 10] == pytest.approx(np.exp(-(10**2) / (2 * sigma**2)))
    np.testing.assert_array_equal(gaussian_profile(5, sigma_fraction=0), np.ones(5))


# -- tile grid ----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(1, 400),
    tile=st.integers(4, 96),
    overlap=st.floats(0, 0.75),
    multiple=st.sampled_from([1, 2, 8]),
)
def test_every_pixel_is_covered_by_a_whole_tile_with_positive_weight(
    length, tile, overlap, multiple
):
    axis = plan_axis(length, tile, overlap, multiple)
    assert axis.tile % multiple == 0
    assert list(axis.starts) == sorted(set(axis.starts))
    weight = np.zeros(length)
    profile = gaussian_profile(axis.tile, border=axis.border)
    for start in axis.starts:
        for i in range(axis.tile):
            if 0 <= start + i < length:
                weight[start + i] += profile[i]
    assert (weight > 0).all()
    if length + 2 * (axis.starts[0] * -1) > tile:
        steps = np.diff(axis.starts)
        assert (steps <= axis.tile - round(axis.tile * overlap) + 1).all()


def test_axis_shorter_than_a_tile_gets_one_small_tile_of_the_right_multiple():
    axis = plan_axis(37, 256, 0.25, multiple_of=16)
    assert axis.starts == (-32,) and axis.tile == 112  # 37 + 2 * 32 = 101 -> 112
    assert plan_axis(1, 64, 0.25, 8).tile == 24  # 1 + 2 * 8 = 17 -> 24


def test_grid_iterates_row_by_row():
    grid = TileGrid.plan(100, 150, 64, overlap=0.25)
    starts = list(grid)
    assert len(starts) == len(grid) == len(grid.y.starts) * len(grid.x.starts)
    assert starts[: len(grid.x.starts)] == [(grid.y.starts[0], x) for x in grid.x.starts]


@pytest.mark.parametrize(
    ("length", "tile", "overlap"), [(0, 64, 0.25), (10, 0, 0.25), (10, 64, 1.0), (10, 64, -0.1)]
)
def test_invalid_tiling_is_a_clear_error(length, tile, overlap):
    with pytest.raises(TilingError):
        plan_axis(length, tile, overlap)


def test_reflect_indices_match_numpy_reflect_padding_and_fall_back_for_one_pixel():
    for length in (2, 3, 7):
        row = np.arange(length)
        padded = np.pad(row, 9, mode="reflect")
        np.testing.assert_array_equal(reflect_indices(-9, length + 9, length), padded)
    np.testing.assert_array_equal(reflect_indices(-3, 4, 1), np.zeros(7))


def test_read_reflected_reads_only_the_bounding_box():
    image = np.arange(5 * 6, dtype=np.float32).reshape(1, 5, 6)
    requested = []

    def read(y, x):
        requested.append((y, x))
        return image[:, y, x]

    region = read_reflected(read, (-2, 3), (4, 8), (5, 6))
    expected = np.pad(image, ((0, 0), (2, 0), (0, 2)), mode="reflect")[:, 0:5, 4:8]
    np.testing.assert_array_equal(region, expected)
    assert requested == [(slice(0, 3), slice(3, 6))]


# -- blending -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(150, 203), (64, 64), (97, 300)])
def test_tiled_prediction_equals_one_pass_away_from_the_border(shape):
    net = local_net(2, 3)
    image = smooth_image(2, *shape)
    result, reference = (
        tiled(net, image, tile_size=64, overlap=0.25, batch_size=3),
        one_pass(net, image),
    )
    inner = (slice(None), slice(8, -8), slice(8, -8))
    relative = np.abs(result - reference)[inner].max() / np.abs(reference[inner]).max()
    assert relative < 1e-3


def test_deeper_receptive_field_still_agrees_with_one_pass():
    """Radius 6 > the zero-weight border (4): the Gaussian keeps tile-edge errors small."""
    torch.manual_seed(1)
    layers = [torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.Tanh()]
    for _ in range(4):
        layers += [torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.Tanh()]
    net = torch.nn.Sequential(*layers, torch.nn.Conv2d(8, 1, 3, padding=1)).eval()
    image = smooth_image(1, 160, 160)
    result = tiled(net, image, tile_size=64, overlap=0.5)
    reference = one_pass(net, image)
    inner = (slice(None), slice(16, -16), slice(16, -16))
    assert np.abs(result - reference)[inner].max() / np.abs(reference[inner]).max() < 1e-3


def _seam_ratio(image: np.ndarray, prediction: np.ndarray, grid: TileGrid) -> float:
    """Mean |x-gradient| of the prediction's error across tile edges over that of the interior."""
    error = np.abs(np.diff(prediction[0], axis=1))
    edges = sorted({e for s in grid.x.starts for e in (s - 1, s + grid.x.tile - 1)})
    edges = [e for e in edges if 0 <= e < error.shape[1]]
    interior = np.delete(error, edges, axis=1)
    return float(error[:, edges].mean() / interior.mean())


def test_no_seam_at_tile_boundaries_while_plain_tiling_shows_one():
    torch.manual_seed(3)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.Conv2d(4, 1, 5, padding=2)
    ).eval()
    with torch.no_grad():
        net[2].bias.fill_(0.5)
    image = np.full((1, 128, 200), 1.0, np.float32) + 0.01 * smooth_image(1, 128, 200)
    blended = tiled(net, image, tile_size=48, overlap=0.25)
    grid = TileGrid.plan(128, 200, 48, 0.25)
    plain = tiled(net, image, tile_size=48, overlap=0.0, blend="none")
    plain_grid = TileGrid.plan(128, 200, 48, 0.0)
    assert _seam_ratio(image, blended, grid) < 1.5
    assert _seam_ratio(image, plain, plain_grid) > 3


# -- sizes and shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1), (1, 57), (43, 1), (65, 129), (17, 200), (9, 8)])
def test_odd_sizes_and_one_pixel_sides_work_with_a_downsampling_model(shape):
    net = DownUpNet(factor=8)
    image = smooth_image(1, *shape)
    result = tiled(net, image, tile_size=32, overlap=0.25, multiple_of=8)
    assert result.shape == (1, *shape) and np.isfinite(result).all()


def test_tile_size_is_rounded_up_to_the_model_multiple():
    image = smooth_image(1, 70, 70)
    result = tiled(DownUpNet(factor=8), image, tile_size=30, multiple_of=8)
    assert np.isfinite(result).all()


def test_batch_size_does_not_change_the_result():
    net, image = local_net(1, 2), smooth_image(1, 90, 130)
    one = tiled(net, image, tile_size=32, batch_size=1)
    many = tiled(net, image, tile_size=32, batch_size=7)
    np.testing.assert_allclose(one, many, atol=1e-6)


def test_reads_and_memory_are_bounded_by_a_band_of_tiles():
    image = smooth_image(1, 300, 90)
    heights = []
    blocks = []

    def read(y, x):
        heights.append(y.stop - y.start)
        return image[:, y, x]

    with torch.no_grad():
        sliding_window_predict(
            local_net(),
            read,
            (300, 90),
            lambda rows, block: blocks.append(block.shape[1]),
            Tiling(tile_size=32, overlap=0.25),
        )
    assert max(heights) <= 32
    assert max(blocks) <= 32 and sum(blocks) == 300 and len(blocks) > 5


def test_progress_counts_every_tile():
    counts = []
    image = smooth_image(1, 100, 70)
    with torch.no_grad():
        sliding_window_predict(
            local_net(),
            lambda y, x: image[:, y, x],
            (100, 70),
            lambda rows, block: None,
            Tiling(tile_size=32, batch_size=3),
            progress=counts.append,
        )
    assert sum(counts) == len(TileGrid.plan(100, 70, 32, 0.25))


# -- test-time augmentation ---------------------------------------------------------------------


def test_tta_averages_the_inverse_transformed_predictions():
    net = local_net(1, 1)
    tiles = torch.randn(2, 1, 16, 16)
    with torch.no_grad():
        averaged = tta_forward(net, "d4")(tiles)
        manual = torch.zeros_like(tiles)
        for k in range(4):
            for flip in (False, True):
                view = torch.rot90(tiles, k, (-2, -1))
                view = view.flip(-1) if flip else view
                out = net(view)
                out = out.flip(-1) if flip else out
                manual += torch.rot90(out, -k, (-2, -1))
    torch.testing.assert_close(averaged, manual / 8, atol=1e-5, rtol=1e-5)


def test_tta_of_a_symmetric_model_changes_nothing():
    net = torch.nn.Conv2d(1, 1, 1)
    tiles = torch.randn(1, 1, 8, 12)
    with torch.no_grad():
        torch.testing.assert_close(tta_forward(net, "flip")(tiles), net(tiles))
