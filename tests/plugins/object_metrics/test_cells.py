"""Cells grown from nuclei by the seeded watershed, on constructed images whose answer is known,
and chosen for cytoplasmic channels of images that have a nuclear channel."""

from __future__ import annotations

import numpy as np
import pytest
from object_support import discs, two_cells

from i2i.evaluation_extensions import ImagePair
from i2i_plugins.object_metrics.cells import segment_cells
from i2i_plugins.object_metrics.evaluation import evaluate_fields
from i2i_plugins.object_metrics.folders import fields_of
from i2i_plugins.object_metrics.params import CellParams, ObjectParams

UNSMOOTHED = CellParams(smoothing_sigma=0)
"""Areas exact to the pixel (smoothing moves a threshold's edge by about a pixel)."""


def test_two_touching_cells_around_two_nuclei_are_two_cells_of_the_right_areas():
    cytoplasm, nuclei, truth = two_cells()
    cells = segment_cells(cytoplasm, nuclei, UNSMOOTHED)
    assert cells.max() == 2
    for number in (1, 2):
        assert np.all(cells[nuclei == number] == number)  # cell i grows from nucleus i
        area, expected = (cells == number).sum(), (truth == number).sum()
        assert abs(area - expected) <= 0.03 * expected, (number, area, expected)


def test_cytoplasm_reached_from_no_nucleus_is_no_cell_and_a_bare_nucleus_is_its_own_cell():
    cytoplasm, nuclei, _ = two_cells()
    island = discs(cytoplasm.shape, [(10, 10)], 6) > 0  # stained, but no nucleus in it
    cytoplasm = np.where(island, 0.9, cytoplasm).astype(np.float32)
    bare = discs(cytoplasm.shape, [(70, 112)], 5) > 0  # a nucleus outside any cytoplasm
    nuclei = np.where(bare, 3, nuclei).astype(np.int32)
    cells = segment_cells(cytoplasm, nuclei, CellParams())
    assert cells.max() == 3 and not cells[island].any()
    assert (cells == 3).sum() == bare.sum()


def test_no_nuclei_no_cells():
    cytoplasm, nuclei, _ = two_cells()
    assert segment_cells(cytoplasm, np.zeros_like(nuclei), CellParams()).max() == 0


def _pair(real_cytoplasm, predicted_cytoplasm, nuclear, channels=("DAPI", "Actin")):
    real = np.stack([nuclear, real_cytoplasm]).astype(np.float32)
    predicted = np.stack([nuclear, predicted_cytoplasm]).astype(np.float32)
    return ImagePair(f"field_{channels[1]}", channels, real, predicted)


def test_a_cytoplasmic_channel_beside_a_nuclear_one_is_evaluated_as_cells():
    cytoplasm, nuclei, truth = two_cells()
    nuclear = np.where(nuclei > 0, 1.0, 0.05).astype(np.float32)
    pairs = [_pair(cytoplasm, cytoplasm, nuclear), _pair(cytoplasm, cytoplasm, nuclear)]
    report = evaluate_fields(fields_of(pairs), ObjectParams(cells=UNSMOOTHED, workers=1))
    summary = report.detection_summary().set_index("organelle")
    assert (
        summary.loc["Actin", "objects"] == "cells" and summary.loc["DAPI", "objects"] == "objects"
    )
    assert summary.loc["Actin", "n_real"] == 4 and summary.loc["Actin", "f1"] == 1.0
    areas = report.organelles["Actin"].shapes[0].real["shape/Area"].to_numpy()
    np.testing.assert_allclose(np.sort(areas), np.sort(np.bincount(truth.ravel())[1:]), rtol=0.03)


def test_channels_not_named_cytoplasmic_and_images_without_nuclei_are_objects():
    cytoplasm, nuclei, _ = two_cells()
    nuclear = np.where(nuclei > 0, 1.0, 0.05).astype(np.float32)
    fields = list(fields_of([_pair(cytoplasm, cytoplasm, nuclear, ("DAPI", "Nucleolus"))]))
    assert [f.nuclei is None for f in fields] == [True, True]
    fields = list(fields_of([_pair(cytoplasm, cytoplasm, nuclear, ("Brightfield", "Actin"))]))
    assert fields[1].nuclei is None
    chosen = CellParams(nuclear_channel="Brightfield")
    fields = list(
        fields_of([_pair(cytoplasm, cytoplasm, nuclear, ("Brightfield", "Actin"))], cells=chosen)
    )
    assert fields[1].nuclei is not None and fields[1].nuclei.channel == "Brightfield"


@pytest.mark.parametrize("seeds", ["real", "predicted"])
def test_seeds_from_the_real_or_the_predicted_nuclei(seeds):
    cytoplasm, nuclei, _ = two_cells()
    nuclear = np.where(nuclei > 0, 1.0, 0.05).astype(np.float32)
    shifted = np.roll(nuclear, 6, axis=0)  # the predicted nuclei are elsewhere
    pair = ImagePair(
        "f", ("DAPI", "Actin"), np.stack([nuclear, cytoplasm]), np.stack([shifted, cytoplasm])
    )
    params = ObjectParams(cells=CellParams(seeds=seeds), workers=1)
    report = evaluate_fields(fields_of([pair], cells=params.cells), params)
    row = report.per_field().set_index("organelle").loc["Actin"]
    assert row["n_real"] == 2
    if seeds == "real":  # same seeds, same cytoplasm: the same cells
        assert row["mean_matched_iou"] == 1.0
    else:
        assert row["mean_matched_iou"] < 1.0


def test_given_real_cells_are_compared_with_cells_grown_in_the_prediction():
    from i2i_plugins.object_metrics.evaluation import FieldImages, NuclearStain

    cytoplasm, nuclei, truth = two_cells()
    nuclear = np.where(nuclei > 0, 1.0, 0.05).astype(np.float32)
    field = FieldImages(
        "f",
        cytoplasm,
        cytoplasm,
        "Actin",
        real_labels=truth,
        nuclei=NuclearStain("DAPI", nuclear, nuclear),
    )
    report = evaluate_fields([field], ObjectParams(cells=UNSMOOTHED, workers=1))
    (row,) = report.per_field().to_dict("records")
    assert row["n_real"] == row["n_predicted"] == 2 and row["mean_matched_iou"] > 0.97
