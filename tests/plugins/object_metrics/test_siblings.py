"""Cells in the Light My Cells layout (one stain per file): a cytoplasmic target finds its field's
nuclear stain in the file beside it. Real ISL DAPI and MAP2 crops, written as LMC targets and
as ``i2i predict-lmc``'s per-organelle prediction folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.errors import I2IError
from i2i.evaluation_extensions import ImagePair
from i2i.image import PixelSizes
from i2i.io import open_image, write_image
from i2i_plugins.object_metrics.params import CellParams
from i2i_plugins.object_metrics.siblings import SiblingNuclei

CROPS = ((slice(0, 256), slice(0, 256)), (slice(256, 512), slice(0, 256)))


def _channel(shared_data, name: str) -> np.ndarray:
    (path,) = (shared_data / "isl_condition_b").glob(f"*channel-{name}_CONFOCAL*.png")
    with open_image(path) as image:
        return image.read(x=slice(0, 256), y=slice(0, 512))[0, 0, 0].astype(np.float32)


def _write(path, plane, name):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_image(path, plane[None, None, None], channel_names=[name], pixel_sizes=PixelSizes())


@pytest.fixture
def lmc(shared_data, tmp_path):
    """Targets ``Study_1/image_{i}_{DAPI,MAP2}.ome.tiff``; MAP2 predicted (a noisy copy) into
    ``map2-fluorescence-ome-tiff/Study_1/image_{i}_BF_z0.ome.tiff``."""
    stains = {name: _channel(shared_data, name) for name in ("DAPI", "MAP2")}
    rng = np.random.default_rng(0)
    for index, crop in enumerate(CROPS):
        for name, image in stains.items():
            _write(
                tmp_path / "targets" / "Study_1" / f"image_{index}_{name}.ome.tiff",
                image[crop],
                name,
            )
        noisy = stains["MAP2"][crop] + rng.normal(0, 0.02 * stains["MAP2"].std(), (256, 256))
        prediction = tmp_path / "preds" / "map2-fluorescence-ome-tiff" / "Study_1"
        _write(prediction / f"image_{index}_BF_z0.ome.tiff", noisy.astype(np.float32), "MAP2")
    return tmp_path / "preds", tmp_path / "targets"


def _evaluate(preds, targets, out, *params):
    arguments = ["evaluate", "--pred", preds, "--target", targets, "-o", out, "--objects"]
    arguments += [a for p in params for a in ("--param", p)]
    return CliRunner().invoke(app, [str(a) for a in [*arguments, "--json"]])


def test_a_cytoplasmic_target_grows_cells_from_the_nuclear_file_beside_it(lmc, tmp_path):
    result = _evaluate(*lmc, tmp_path / "eval")
    assert result.exit_code == 0, result.output
    (detection,) = json.loads(result.stdout)["objects"]["detection"]
    assert detection["organelle"] == "MAP2" and detection["objects"] == "cells"
    assert detection["n_real"] > 5 and detection["f1"] > 0.9, detection
    # a cell grows from every real nucleus: as many cells as DAPI objects
    counted = _evaluate(*lmc, tmp_path / "plain", "objects.cells.cytoplasmic_stains=[]")
    (objects,) = json.loads(counted.stdout)["objects"]["detection"]
    assert objects["objects"] == "objects"
    (_, targets) = lmc
    nuclei = _evaluate(targets, targets, tmp_path / "nuclei")  # DAPI against itself
    by_stain = {row["organelle"]: row for row in json.loads(nuclei.stdout)["objects"]["detection"]}
    assert by_stain["MAP2"]["n_real"] == by_stain["DAPI"]["n_real"] == detection["n_real"]


def test_predicted_seeds_need_the_predicted_nuclear_stain_and_use_it_when_there(lmc, tmp_path):
    preds, targets = lmc
    result = _evaluate(preds, targets, tmp_path / "a", "objects.cells.seeds=predicted")
    assert isinstance(result.exception, I2IError), result.output
    message = str(result.exception)
    assert "image_0" in message and "DAPI" in message and "cells.seeds" in message
    for index in range(len(CROPS)):  # predict the nucleus too, from the same plane
        with open_image(targets / "Study_1" / f"image_{index}_DAPI.ome.tiff") as image:
            dapi = image.read()[0, 0, 0]
        folder = preds / "dapi-fluorescence-ome-tiff" / "Study_1"
        _write(folder / f"image_{index}_BF_z0.ome.tiff", dapi, "DAPI")
    result = _evaluate(preds, targets, tmp_path / "b", "objects.cells.seeds=predicted")
    assert result.exit_code == 0, result.output
    by_stain = {r["organelle"]: r for r in json.loads(result.stdout)["objects"]["detection"]}
    assert by_stain["MAP2"]["objects"] == "cells" and by_stain["DAPI"]["objects"] == "objects"
    assert by_stain["MAP2"]["n_predicted"] == by_stain["DAPI"]["n_predicted"]


def test_a_nuclear_file_of_another_size_names_it(tmp_path):
    folder = tmp_path / "Study_1"
    _write(folder / "image_0_DAPI.ome.tiff", np.ones((32, 32), np.float32), "DAPI")
    plane = np.ones((1, 64, 64), np.float32)
    image = ImagePair(
        "image_0_BF_z0.ome.tiff",
        ("Actin",),
        plane,
        plane,
        target=folder.relative_to(tmp_path) / "image_0_Actin.ome.tiff",
        target_dir=tmp_path,
    )
    with pytest.raises(I2IError, match=r"image_0_DAPI.ome.tiff: the nuclear stain .* 32 x 32"):
        SiblingNuclei(CellParams()).of(image)


def test_only_single_channel_cytoplasmic_targets_of_the_layout_look_for_a_sibling(tmp_path):
    folder = tmp_path / "Study_1"
    _write(folder / "image_0_DAPI.ome.tiff", np.ones((8, 8), np.float32), "DAPI")
    plane = np.ones((1, 8, 8), np.float32)
    siblings = SiblingNuclei(CellParams())

    def image(target: str, channel: str) -> ImagePair:
        return ImagePair(
            "p", (channel,), plane, plane, target=Path("Study_1") / target, target_dir=tmp_path
        )

    assert siblings.of(image("image_0_Actin.ome.tiff", "Actin")) is not None
    assert siblings.of(image("image_0_Nucleolus.ome.tiff", "Nucleolus")) is None
    assert siblings.of(image("image_1_Actin.ome.tiff", "Actin")) is None  # no DAPI of image_1
    assert siblings.of(image("image_0_Actin.ome.tiff", "Tubulin")) is None  # name not the stain


def test_references_bound_lmc_cells_without_a_nucleus_prediction(lmc):
    result = CliRunner().invoke(app, ["evaluate-objects", *map(str, lmc), "--references", "--json"])
    assert result.exit_code == 0, result.output
    references = json.loads(result.stdout)["references"]
    upper = references["real + acquisition noise (upper bound)"]
    lower = references["blurred prediction (lower bound)"]
    for reference in (upper, lower):
        (detection,) = reference["detection"]
        assert detection["organelle"] == "MAP2" and detection["objects"] == "cells", detection
    headlines = [r["organelles"]["MAP2"]["headline"] for r in (upper, lower)]
    assert headlines[0]["stain_spearman"] > headlines[1]["stain_spearman"], headlines
