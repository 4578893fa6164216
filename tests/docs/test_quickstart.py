"""The quickstart as a user runs it, at a reduced size: fetch the real ISL sample (from the
shared copy, through the same verified download), train, check the run folder, predict."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.io import open_image

runner = CliRunner()
SHRINK = [
    "train.max_steps=3",
    "train.validate_every=3",
    "train.checkpoint_every=3",
    "data.batch_size=2",
    "data.num_workers=0",
]


@pytest.fixture(scope="module")
def isl(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("isl")
    env = {
        "I2I_DATA_BASE_URL": (shared_data).as_uri(),
        "I2I_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
    }
    result = runner.invoke(app, ["data", "fetch", "isl_condition_b", "-o", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("recipe", ["quickstart_unet", "quickstart"])
def test_quickstart_trains_validates_on_the_held_out_quarter_and_predicts(recipe, isl, tmp_path):
    runs = tmp_path / "runs"
    args = ["run", recipe, f"data.dataset.root={isl}", *SHRINK, "--runs-root", str(runs)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (run,) = (runs / recipe).iterdir()
    split = json.loads((run / "split.json").read_text())
    assert split["holdout"] == {"axis": "x", "start": 0.75, "end": 1.0}
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert rows[-1]["step"] == "3" and -1 <= float(rows[-1]["val/pcc"]) <= 1
    assert (run / "samples" / "step_00000003.png").is_file()
    assert (run / "evaluation" / "report.md").is_file()
    # The final evaluation scores best.safetensors (the only validation, step 3) the way
    # validation did: the held-out band (256 x 1024) by sliding windows, the same figure.
    (scored,) = csv.DictReader((run / "evaluation" / "per_image.csv").open())
    assert float(scored["pcc"]) == pytest.approx(float(rows[-1]["val/pcc"]), abs=1e-4)

    planes = sorted(
        isl.glob("*z_depth-*PHASE_CONTRAST*"),
        key=lambda p: int(p.name.split("z_depth-")[1].split(",")[0]),
    )
    stack = tmp_path / "phase.ome.tif"
    assert runner.invoke(app, ["stack", *map(str, planes), "-o", str(stack)]).exit_code == 0
    out = tmp_path / "dapi.ome.zarr"
    result = runner.invoke(app, ["predict", "-m", str(run), str(stack), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open_image(out) as predicted:
        assert predicted.shape == (1, 1, 1, 1024, 1024)
        assert predicted.channel_names == ["DAPI_CONFOCAL"]
