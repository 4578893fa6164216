"""``i2i evaluate-objects`` end to end: folders of files, label images, JSON, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from object_support import nuclei_field, stain
from typer.testing import CliRunner

from i2i.cli import app
from i2i.errors import I2IError
from i2i.image import PixelSizes
from i2i.io import write_image


def _write(path, plane, name="DAPI"):
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_image(
        path, plane[None, None, None], channel_names=[name], pixel_sizes=PixelSizes()
    )


@pytest.fixture
def folders(tmp_path):
    """Two fields with nuclei (the prediction a noisy copy) and one whose real stain is empty."""
    rng = np.random.default_rng(1)
    preds, targets = tmp_path / "preds", tmp_path / "targets"
    for index in range(2):
        real = stain(nuclei_field(128, 9, seed=index), seed=index)
        noisy = real + rng.normal(0, 20, real.shape).astype(np.float32)
        _write(targets / f"field{index}.ome.tif", real)
        _write(preds / f"field{index}.ome.tif", noisy)
    _write(targets / "empty.ome.tif", np.full((128, 128), 100, np.float32))
    _write(preds / "empty.ome.tif", stain(nuclei_field(128, 4, seed=5), seed=5))
    return preds, targets


def _run(*args):
    return CliRunner().invoke(app, ["evaluate-objects", *map(str, args)])


def _user_error(result) -> str:
    """The message ``i2i`` prints for a user error (an I2IError, never a traceback)."""
    assert isinstance(result.exception, I2IError), result.output
    return str(result.exception)


def test_json_has_every_number_and_an_empty_field_is_reported_not_averaged(folders, tmp_path):
    result = _run(*folders, "--json", "-o", tmp_path / "report")
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.stdout)
    (detection,) = numbers["detection"]
    assert detection["f1"] == 1.0 and detection["n_fields"] == 2  # not (1 + 1 + 0) / 3
    assert detection["n_fields_without_real_objects"] == 1
    empty = next(f for f in numbers["fields"] if f["field"] == "empty.ome.tif")
    assert empty["status"] == "no objects in the real stain" and empty["f1"] is None
    groups = {g["group"]: g for g in numbers["organelles"]["DAPI"]["feature_groups"]}
    assert set(groups) == {"intensity", "texture", "granularity", "shape"}
    assert groups["intensity"]["spearman"] > 0.9
    report = tmp_path / "report"
    for name in ("objects.md", "objects.json", "objects_per_field.csv", "objects_features.csv"):
        assert (report / name).is_file(), name
    assert (report / "figures" / "objects_overlay_DAPI.png").stat().st_size > 1000
    assert "## Objects and measurements" in (report / "objects.md").read_text()


def test_references_bound_a_noisy_copy(folders):
    result = _run(*folders, "--references", "--json")
    assert result.exit_code == 0, result.output
    references = json.loads(result.stdout)["references"]
    lower = references["blurred prediction (lower bound)"]["organelles"]["DAPI"]["headline"]
    upper = references["real + acquisition noise (upper bound)"]["organelles"]["DAPI"]["headline"]
    assert upper["f1"] == 1.0 and upper["stain_spearman"] > 0.9
    assert lower["mean_matched_iou"] < upper["mean_matched_iou"]
    assert lower["stain_spearman"] < upper["stain_spearman"]


def test_given_labels_are_used(folders, tmp_path):
    preds, targets = folders
    labels = tmp_path / "labels"
    for index in range(2):
        _write(
            labels / f"field{index}_labels.tif", nuclei_field(128, 9, seed=index).astype(np.uint16)
        )
    _write(labels / "empty.tif", np.zeros((128, 128), np.uint16))
    result = _run(preds, targets, "--labels", labels, "--json")
    assert result.exit_code == 0, result.output
    (detection,) = json.loads(result.stdout)["detection"]
    assert detection["n_real"] == 18 and detection["f1"] > 0.9


def test_labels_of_the_wrong_shape_name_the_file(folders, tmp_path):
    preds, targets = folders
    labels = tmp_path / "labels"
    for index in range(2):
        _write(labels / f"field{index}.tif", np.zeros((64, 128), np.uint16))
    _write(labels / "empty.tif", np.zeros((128, 128), np.uint16))
    message = _user_error(_run(preds, targets, "--labels", labels))
    assert "field0.tif" in message and "(1, 64, 128)" in message and "(1, 128, 128)" in message


def test_a_missing_label_image_names_what_was_looked_for(folders, tmp_path):
    preds, targets = folders
    (tmp_path / "labels").mkdir()
    message = _user_error(_run(preds, targets, "--labels", tmp_path / "labels"))
    assert "no label image for" in message and "empty_labels.*" in message


def test_bad_segmentation_option_is_one_clear_error(folders):
    message = _user_error(_run(*folders, "--threshold", "triangle"))
    assert "segmentation.threshold" in message and "'otsu'" in message


def test_conditions_give_a_retrieval_map(tmp_path):
    preds, targets = tmp_path / "preds", tmp_path / "targets"
    rng = np.random.default_rng(0)
    rows = ["image,condition"]
    for index in range(6):
        condition = "bright" if index % 2 else "dim"
        real = stain(nuclei_field(96, 4, seed=index), seed=index) * (3.0 if index % 2 else 1.0)
        real[real > 500] += (rng.random(real[real > 500].shape) * 200).astype(np.float32)
        _write(targets / f"f{index}.tif", real)
        _write(preds / f"f{index}.tif", real + rng.normal(0, 5, real.shape).astype(np.float32))
        rows.append(f"f{index}.tif,{condition}")
    (tmp_path / "conditions.csv").write_text("\n".join(rows) + "\n")
    result = _run(preds, targets, "--conditions", tmp_path / "conditions.csv", "--json")
    assert result.exit_code == 0, result.output
    profiles = json.loads(result.stdout)["organelles"]["DAPI"]["profiles"]
    assert profiles["mean_average_precision"] is not None
    assert 0 <= profiles["mean_average_precision"] <= 1
    assert len(profiles["cosine"]) == 6


def test_a_missing_library_names_it_and_the_objects_extra(folders, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "cp_measure" else real_find_spec(name, *a),
    )
    message = _user_error(_run(*folders))
    assert "needs cp_measure, which is not installed" in message
    assert 'pip install "i2i-microscopy[objects]"' in message
    evaluate = CliRunner().invoke(
        app, ["evaluate", "--pred", str(folders[0]), "--target", str(folders[1]), "--objects"]
    )
    assert 'pip install "i2i-microscopy[objects]"' in _user_error(evaluate)
