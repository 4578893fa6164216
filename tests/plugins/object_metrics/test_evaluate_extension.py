"""``i2i evaluate --objects``: the object-level evaluation inside the ordinary evaluation.

The ``objects`` extension is the object_metrics plugin's, found by the core through the
``i2i_evaluation_extensions`` hook; its numbers must be those of ``i2i evaluate-objects`` on the
same folders.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.errors import I2IError
from i2i.image import PixelSizes
from i2i.io import write_image

ISL_DAPI = "*channel-DAPI_CONFOCAL*.png"


def _write(path, plane, name="DAPI"):
    path.parent.mkdir(parents=True, exist_ok=True)
    write_image(path, plane[None, None, None], channel_names=[name], pixel_sizes=PixelSizes())


@pytest.fixture(scope="module")
def isl_folders(shared_data, tmp_path_factory):
    """Two 256² fields of the real ISL DAPI as targets; predictions: the same fields with
    noise (a second acquisition), and a blurred one."""
    from scipy.ndimage import gaussian_filter

    from i2i.io import open_image

    (dapi,) = (shared_data / "isl_condition_b").glob(ISL_DAPI)
    with open_image(dapi) as image:
        real = image.read(y=slice(512, 1024), x=slice(768, 1024))[0, 0, 0].astype(np.float32)
    root = tmp_path_factory.mktemp("isl")
    rng = np.random.default_rng(0)
    for index, rows in enumerate((slice(0, 256), slice(256, 512))):
        field = real[rows]
        noisy = field + rng.normal(0, 0.02 * float(field.std()), field.shape).astype(np.float32)
        _write(root / "targets" / f"field{index}.ome.tif", field)
        _write(root / "preds" / f"field{index}.ome.tif", noisy)
        _write(root / "blurred" / f"field{index}.ome.tif", gaussian_filter(field, 6))
    return root


def _evaluate(*args):
    return CliRunner().invoke(app, ["evaluate", *map(str, args)])


def _user_error(result) -> str:
    assert isinstance(result.exception, I2IError), result.output
    return str(result.exception)


def test_objects_on_real_isl_dapi_report_json_and_files(isl_folders, tmp_path):
    root, out = isl_folders, tmp_path / "eval"
    result = _evaluate(
        "--pred", root / "preds", "--target", root / "targets", "-o", out, "--objects", "--json"
    )
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.stdout)
    assert {row["organelle"] for row in numbers["summary"]} == {"DAPI"}
    (detection,) = numbers["objects"]["detection"]
    assert detection["n_fields"] == 2 and detection["f1"] > 0.9  # a second acquisition
    assert (out / "objects" / "objects.json").is_file()
    assert (out / "objects" / "objects_detection.csv").is_file()
    report = (out / "report.md").read_text()
    assert "## Metrics by organelle" in report and "## Objects and measurements" in report
    assert "](objects/figures/objects_overlay_DAPI.png)" in report  # links from report.md
    assert (out / "objects" / "figures" / "objects_overlay_DAPI.png").is_file()


def test_numbers_are_those_of_evaluate_objects_and_order_self_above_blurred(isl_folders, tmp_path):
    root = isl_folders
    standalone = CliRunner().invoke(
        app, ["evaluate-objects", str(root / "preds"), str(root / "targets"), "--json"]
    )
    assert standalone.exit_code == 0, standalone.output
    inside = _evaluate("--pred", root / "preds", "--target", root / "targets", "-o",
                       tmp_path / "a", "--objects", "--json")  # fmt: skip
    assert json.loads(inside.stdout)["objects"] == json.loads(standalone.stdout)
    blurred = _evaluate("--pred", root / "blurred", "--target", root / "targets", "-o",
                        tmp_path / "b", "--objects", "--json")  # fmt: skip
    f1 = {
        name: json.loads(r.stdout)["objects"]["detection"][0]["f1"]
        for name, r in (("self", inside), ("blurred", blurred))
    }
    assert f1["self"] > f1["blurred"], f1


def test_param_reaches_the_segmentation_and_a_bad_one_is_named(isl_folders, tmp_path):
    root = isl_folders
    base = ["--pred", root / "preds", "--target", root / "targets", "--objects", "--json"]
    default = json.loads(_evaluate(*base, "-o", tmp_path / "a").stdout)
    huge = _evaluate(*base, "-o", tmp_path / "b", "--param", "objects.segmentation.min_size=5000")
    assert huge.exit_code == 0, huge.output
    counts = [
        sum(f["n_real"] for f in numbers["objects"]["fields"])
        for numbers in (default, json.loads(huge.stdout))
    ]
    assert counts[0] > counts[1], counts  # nuclei are smaller than 5000 pixels
    bad = _evaluate(*base, "-o", tmp_path / "c", "--param", "objects.segmentation.threshold=li")
    message = _user_error(bad)
    assert "--param objects" in message and "segmentation.threshold" in message
    assert "otsu" in message and not (tmp_path / "c").exists()  # refused before scoring


def test_labels_from_elsewhere_are_used_and_a_wrong_shape_names_the_file(tmp_path):
    from object_support import nuclei_field, stain

    labels = nuclei_field(128, 9, seed=3)
    _write(tmp_path / "targets" / "f.ome.tif", stain(labels, seed=3))
    _write(tmp_path / "preds" / "f.ome.tif", stain(labels, seed=4))
    write_image(tmp_path / "labels" / "f_labels.tif", labels.astype(np.uint16)[None, None, None])
    common = ["--pred", tmp_path / "preds", "--target", tmp_path / "targets", "--objects"]
    result = _evaluate(*common, "-o", tmp_path / "e", "--labels", tmp_path / "labels", "--json")
    assert result.exit_code == 0, result.output
    (field,) = json.loads(result.stdout)["objects"]["fields"]
    assert field["n_real"] == 9
    write_image(
        tmp_path / "labels" / "f_labels.tif", labels[:64].astype(np.uint16)[None, None, None]
    )
    wrong = _evaluate(*common, "-o", tmp_path / "w", "--labels", tmp_path / "labels")
    assert "f_labels.tif" in _user_error(wrong) and "(1, 64, 128)" in _user_error(wrong)


def _recipe_with_objects(tmp_path, lmc_demo, objects) -> object:
    import yaml
    from training_support import TINY_UNET, write_recipe

    path = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=[{"name": "l1"}])
    recipe = yaml.safe_load(path.read_text())
    recipe["evaluate"]["extensions"] = {"objects": objects}
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory):
    from i2i_plugins.datasets.demo import write_lmc_demo

    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def test_a_run_whose_recipe_asks_for_objects_reports_them(tmp_path, lmc_demo):
    import yaml

    recipe = _recipe_with_objects(tmp_path, lmc_demo, {"segmentation": {"min_size": 4}})
    result = CliRunner().invoke(app, ["run", str(recipe)])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs" / "tiny").iterdir()
    report = (run / "evaluation" / "report.md").read_text()
    assert "## Metrics by organelle" in report and "## Objects and measurements" in report
    numbers = json.loads((run / "evaluation" / "objects" / "objects.json").read_text())
    import pandas as pd

    scored = pd.read_csv(run / "evaluation" / "per_image.csv")  # the same held-out images
    fields = [
        (f["field"].removesuffix(":" + f["organelle"]), f["organelle"]) for f in numbers["fields"]
    ]
    assert sorted(fields) == sorted(zip(scored["image"], scored["channel"], strict=True))
    saved = yaml.safe_load((run / "recipe.yaml").read_text())["evaluate"]["extensions"]
    assert saved["objects"]["segmentation"]["min_size"] == 4  # given
    assert saved["objects"]["iou_threshold"] == 0.5  # defaults filled in: the run reproduces


def test_a_bad_objects_parameter_in_a_recipe_is_refused_before_training(tmp_path, lmc_demo):
    recipe = _recipe_with_objects(tmp_path, lmc_demo, {"segmentation": {"threshold": "li"}})
    result = CliRunner().invoke(app, ["run", str(recipe)])
    message = " ".join(_user_error(result).split())
    assert "evaluate.extensions.objects" in message and "segmentation.threshold" in message
    assert not (tmp_path / "runs").exists()


def test_objects_without_its_libraries_says_which_extra_to_install(
    isl_folders, tmp_path, monkeypatch
):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "cp_measure" else find_spec(name, *args),
    )
    out = tmp_path / "eval"
    result = _evaluate(
        "--pred", isl_folders / "preds", "--target", isl_folders / "targets", "-o", out, "--objects"
    )
    message = _user_error(result)
    assert "cp_measure" in message
    assert 'pip install "i2i-microscopy[objects]"' in message
    assert not out.exists()
