"""Predictor.predict(on_tile=...): tile progress for a GUI, and stopping by raising from it."""

from __future__ import annotations

import numpy as np
import pytest
from predict_support import local_net

from i2i.prediction import InputContract, Predictor
from i2i.tiling import Tiling


class Stop(Exception):
    """Raised by the callback to stop a prediction."""


def predictor(**options: object) -> Predictor:
    tiling = Tiling(tile_size=32, overlap=0.25, batch_size=2)
    contract = InputContract(output_channels=["nucleus"], z_planes="each")
    return Predictor(local_net(), contract, device="cpu", tiling=tiling, **options)


def image(z: int = 2) -> np.ndarray:
    return np.random.default_rng(0).random((1, 1, z, 80, 70), dtype=np.float32)


@pytest.mark.parametrize("show_progress", [False, True])
def test_on_tile_counts_every_tile_of_every_plane_up_to_the_total(show_progress):
    calls: list[tuple[int, int]] = []
    result = predictor(show_progress=show_progress).predict(
        image(), on_tile=lambda done, total: calls.append((done, total))
    )
    totals = {total for _, total in calls}
    assert len(totals) == 1
    (total,) = totals
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done)
    assert done[-1] == total
    # 80x70 with 32-pixel tiles and 25 % overlap: more than one tile per plane, two planes
    assert total > 2 and total % 2 == 0
    assert len(calls) > 2
    np.testing.assert_array_equal(result, predictor().predict(image()))


def test_an_exception_from_on_tile_stops_the_prediction_after_that_batch():
    calls: list[int] = []

    def stop_after_first(done: int, total: int) -> None:
        calls.append(done)
        raise Stop

    with pytest.raises(Stop):
        predictor().predict(image(), on_tile=stop_after_first)
    assert calls == [2]  # one batch of two tiles, then nothing more ran


def test_a_stopped_file_prediction_leaves_no_file(tmp_path):
    out = tmp_path / "out.ome.tiff"

    def stop_half_way(done: int, total: int) -> None:
        if done * 2 >= total:
            raise Stop

    with pytest.raises(Stop):
        predictor().predict(image(), out, on_tile=stop_half_way)
    assert list(tmp_path.iterdir()) == []
