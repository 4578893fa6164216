"""Cells on real data: the ISL field's MAP2 (neuronal somata and dendrites) grown from the nuclei
of its DAPI, segmented the same way from the real MAP2 and from predictions of it.

The ISL sample is the only one in the shared data with a cytoplasmic stain beside a nuclear one
(the JUMP sample is bright field only). There is no MAP2 model, so the predictions are the
references: the real MAP2 with second-acquisition noise must give the same cells (upper bound)
and beat a blurred MAP2 (lower bound) on detection and on the measurements of the cells.
"""

from __future__ import annotations

import numpy as np

from i2i.evaluation_extensions import ImagePair
from i2i_plugins.object_metrics.folders import fields_of
from i2i_plugins.object_metrics.references import LOWER, MODEL, UPPER, evaluate_with_references

ROWS = (slice(0, 512), slice(512, 1024))  # two 512 x 512 fields of the left half
COLUMNS = slice(0, 512)


def _channel(shared_data, name: str) -> np.ndarray:
    from i2i.io import open_image

    (path,) = (shared_data / "isl_condition_b").glob(f"*channel-{name}_CONFOCAL*.png")
    with open_image(path) as image:
        return image.read(x=COLUMNS)[0, 0, 0].astype(np.float32)


def test_map2_cells_grown_from_dapi_nuclei_order_self_above_blurred(shared_data):
    from scipy.ndimage import gaussian_filter

    dapi, map2 = _channel(shared_data, "DAPI"), _channel(shared_data, "MAP2")
    rng = np.random.default_rng(0)

    def images():
        for index, rows in enumerate(ROWS):
            real = np.stack([dapi[rows], map2[rows]])  # (C, H, W)
            smooth = gaussian_filter(real, (0, 1.5, 1.5))  # an imperfect "prediction"
            predicted = smooth + rng.normal(0, 0.05 * real.std(), real.shape).astype(np.float32)
            yield ImagePair(f"isl_{index}", ("DAPI", "MAP2"), real, predicted)

    reports = evaluate_with_references(lambda: fields_of(images()))
    per_field = reports[UPPER].per_field().set_index(["field", "organelle"])
    assert set(per_field.xs("MAP2", level="organelle")["objects"]) == {"cells"}
    assert set(per_field.xs("DAPI", level="organelle")["objects"]) == {"objects"}
    for index in range(len(ROWS)):  # a cell grows from every real nucleus
        nuclei = per_field.loc[(f"isl_{index}:DAPI", "DAPI"), "n_real"]
        assert per_field.loc[(f"isl_{index}:MAP2", "MAP2"), "n_real"] == nuclei > 5
    shapes = reports[MODEL].organelles
    cell_area = np.median(np.concatenate([s.real["shape/Area"] for s in shapes["MAP2"].shapes]))
    nucleus_area = np.median(np.concatenate([s.real["shape/Area"] for s in shapes["DAPI"].shapes]))
    assert cell_area > 1.1 * nucleus_area  # cells take in the MAP2 around their nucleus
    headline = {name: r.headline("MAP2") for name, r in reports.items()}
    assert headline[UPPER]["f1"] > 0.95 and headline[UPPER]["f1"] > headline[LOWER]["f1"], headline
    for number in ("stain_spearman", "shape_spearman"):
        assert headline[UPPER][number] > headline[LOWER][number], headline


def test_i2i_evaluate_objects_finds_the_nuclear_channel_of_two_channel_files(shared_data, tmp_path):
    import json

    from typer.testing import CliRunner

    from i2i.cli import app
    from i2i.image import PixelSizes
    from i2i.io import write_image

    dapi, map2 = _channel(shared_data, "DAPI"), _channel(shared_data, "MAP2")
    rng = np.random.default_rng(1)
    for index, rows in enumerate((slice(0, 256), slice(256, 512))):
        real = np.stack([dapi[rows, :256], map2[rows, :256]])  # (C, H, W)
        noisy = real + rng.normal(0, 0.02 * real.std(), real.shape).astype(np.float32)
        for folder, planes in (("targets", real), ("preds", noisy)):
            (tmp_path / folder).mkdir(exist_ok=True)
            write_image(
                tmp_path / folder / f"field{index}.ome.tif",
                planes[None, :, None],  # (T, C, Z, Y, X)
                channel_names=["DAPI", "MAP2"],
                pixel_sizes=PixelSizes(),
            )
    folders = ["--pred", tmp_path / "preds", "--target", tmp_path / "targets"]
    arguments = ["evaluate", *folders, "-o", tmp_path / "eval", "--objects", "--json"]
    result = CliRunner().invoke(app, [str(a) for a in arguments])
    assert result.exit_code == 0, result.output
    detection = {row["organelle"]: row for row in json.loads(result.stdout)["objects"]["detection"]}
    assert detection["MAP2"]["objects"] == "cells" and detection["DAPI"]["objects"] == "objects"
    assert detection["MAP2"]["n_real"] == detection["DAPI"]["n_real"] > 0
    assert "### MAP2 (cells grown from nuclei)" in (tmp_path / "eval" / "report.md").read_text()
