"""Proof on real data: the bundled isl-phase-dapi-unet on the held-out quarter of the ISL field.

The real DAPI with second-acquisition noise (upper bound) must beat the model's prediction,
which must beat the blurred prediction (lower bound), on nucleus detection F1; the upper bound
also beats the model on the correlation of the nuclei's measurements.
"""

from __future__ import annotations

import numpy as np
import pytest

from i2i_plugins.object_metrics.evaluation import FieldImages
from i2i_plugins.object_metrics.references import LOWER, MODEL, UPPER, evaluate_with_references

MODEL_NAME = "isl-phase-dapi-unet"
HELD_OUT = slice(768, 1024)  # x: the right quarter, held out in training


def _held_out(shared_data, rows: slice) -> tuple[np.ndarray, np.ndarray]:
    """(real DAPI, predicted DAPI) of the held-out quarter's ``rows``."""
    import i2i
    from i2i.io import open_image

    folder = shared_data / "isl_condition_b"
    planes = []
    for z in range(13):
        (path,) = folder.glob(f"*z_depth-{z},channel-PHASE_CONTRAST*.png")
        with open_image(path) as image:
            planes.append(image.read(y=rows, x=HELD_OUT)[0, 0, 0])
    stack = np.stack(planes)[None, None]  # (T, C, Z, Y, X) = (1, 1, 13, h, 256)
    predicted = np.asarray(i2i.predict(stack, model=MODEL_NAME, device="cpu"))[0, 0, 0]
    (dapi,) = folder.glob("*channel-DAPI_CONFOCAL*.png")
    with open_image(dapi) as image:
        real = image.read(y=rows, x=HELD_OUT)[0, 0, 0]
    return real, predicted


def _fields(real: np.ndarray, predicted: np.ndarray, side: int = 256):
    def fields():
        for top in range(0, real.shape[0], side):
            rows = slice(top, top + side)
            yield FieldImages(f"held_out_y{top}", real[rows], predicted[rows], "DAPI")

    return fields


def _ordered(reports) -> dict[str, dict[str, float]]:
    headline = {name: r.headline("DAPI") for name, r in reports.items()}
    assert headline[UPPER]["f1"] > headline[MODEL]["f1"] > headline[LOWER]["f1"], headline
    assert headline[UPPER]["stain_spearman"] > headline[MODEL]["stain_spearman"], headline
    assert headline[UPPER]["shape_spearman"] > headline[MODEL]["shape_spearman"], headline
    return headline


def test_self_beats_model_beats_blurred_on_a_held_out_crop(shared_data):
    real, predicted = _held_out(shared_data, slice(512, 1024))  # 13 nuclei in two fields
    headline = _ordered(evaluate_with_references(_fields(real, predicted)))
    assert headline[MODEL]["f1"] > 0.2  # the demonstration model finds some nuclei


@pytest.mark.slow
def test_self_beats_model_beats_blurred_on_the_whole_held_out_quarter(shared_data, tmp_path):
    from i2i_plugins.object_metrics.writing import write_object_report

    real, predicted = _held_out(shared_data, slice(0, 1024))
    reports = evaluate_with_references(_fields(real, predicted))
    _ordered(reports)
    write_object_report(reports[MODEL], tmp_path, reports)
    assert (tmp_path / "objects_references.csv").is_file()
