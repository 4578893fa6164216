"""``i2i predict-lmc`` into ``i2i evaluate``: the challenge outputs of a Light My Cells dataset
folder score against that folder's targets without renaming."""

from __future__ import annotations

import pandas as pd
import predict_support
import pytest
from typer.testing import CliRunner

import i2i.prediction
from i2i.cli import app
from i2i_plugins.datasets.demo import LMC_STUDIES, write_lmc_demo
from i2i_plugins.datasets.lmc_challenge import lmc_jobs

runner = CliRunner()
ORGANELLES = ("Nucleus", "Mitochondria", "Actin", "Tubulin")


@pytest.fixture
def identity_models(monkeypatch):
    """``--model-<organelle> NAME`` loads an identity model predicting channel NAME."""
    monkeypatch.setattr(i2i.prediction, "load_predictor", predict_support.identity_predictor)


def expected_rows() -> set[tuple[str, str, int]]:
    """(study, field, organelle) of every target the demo writes."""
    rows, image_id = set(), 0
    for study in LMC_STUDIES:
        for field in study.fields:
            image_id += 1
            rows |= {(study.name, f"image_{image_id}", o) for o in field.organelles}
    return rows


def test_predict_lmc_outputs_score_against_the_dataset_for_every_field(tmp_path, identity_models):
    dataset, out = tmp_path / "lmc_demo", tmp_path / "out"
    write_lmc_demo(dataset, size=32)
    models = [arg for o in ORGANELLES for arg in (f"--model-{o.lower()}", o)]
    args = ["--input-dir", str(dataset), "--output-dir", str(out), "--device", "cpu"]
    predicted = runner.invoke(app, ["predict-lmc", *args, *models])
    assert predicted.exit_code == 0, predicted.output
    assert (out / "nucleus-fluorescence-ome-tiff" / "Study_1" / "image_1_BF_z0.ome.tiff").is_file()

    evaluation = tmp_path / "eval"
    folders = ["--pred", str(out), "--target", str(dataset), "--input", str(dataset)]
    scored = runner.invoke(app, ["evaluate", *folders, "-o", str(evaluation)])
    # --input: the panels find each prediction's input plane (an error when none is found)
    assert scored.exit_code == 0, scored.output
    table = pd.read_csv(evaluation / "per_image.csv")
    found = set(zip(table["study"], table["field"], table["organelle"], strict=True))
    assert found == expected_rows()  # every field, each of its organelles
    assert table[["mae", "ssim", "pcc"]].notna().all().all()
    assert set(table["modality"]) == {"BF", "PC", "DIC"} and table["z"].notna().all()
    planes = sum(f.planes * len(f.organelles) for s in LMC_STUDIES for f in s.fields)
    assert len(table) == planes  # one row per input plane and organelle with a target
    assert "Skipped" in scored.output  # organelles a field has no target for


def test_organelle_images_of_a_dataset_folder_are_not_inputs(tmp_path):
    write_lmc_demo(tmp_path / "lmc", size=16)
    jobs = lmc_jobs(tmp_path / "lmc", tmp_path / "out", ["nucleus"])
    names = {job.input.name for job in jobs}
    assert len(jobs) == 26 and all("_z" in name for name in names)
    assert jobs[0].output.relative_to(tmp_path / "out").parts[:2] == (
        "nucleus-fluorescence-ome-tiff",
        "Study_1",
    )
