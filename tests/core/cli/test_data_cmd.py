"""``i2i data demo|fetch|summary`` through the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from i2i.cli import app

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_then_summary_shows_counts_per_modality_and_organelle(tmp_path):
    root = tmp_path / "lmc"
    assert "Wrote 45 files" in invoke("data", "demo", str(root), "--layout", "lmc", "--size", "24")
    summary = json.loads(invoke("data", "summary", str(root), "--json"))
    assert summary["layout"] == "lmc" and summary["fields"] == 10
    assert summary["input_planes_per_modality"] == {"BF": 14, "DIC": 4, "PC": 8}
    assert summary["target_images_per_organelle"] == {
        "Actin": 2,
        "Mitochondria": 5,
        "Nucleus": 7,
        "Tubulin": 5,
    }
    assert summary["fields_per_organelle_combination"]["Nucleus + Tubulin"] == 2
    text = invoke("data", "summary", str(root), "--layout", "lmc")
    assert "organelle combination" in text and "0.1625" in text


def test_jump_demo_summary_with_a_split_file(tmp_path):
    root = tmp_path / "jump"
    invoke("data", "demo", str(root), "--layout", "jump", "--size", "16")
    split = tmp_path / "split.csv"
    split.write_text(
        "field_id,split\n"
        + "\n".join(
            f"BR0000000{p}/{w}/{s},{'train' if p == 1 else 'val'}"
            for p, wells in ((1, ("r01c01", "r01c02")), (2, ("r01c01", "r02c03")))
            for w in wells
            for s in ("f01", "f02")
        )
    )
    summary = json.loads(
        invoke("data", "summary", str(root), "--layout", "jump", "--split", str(split), "--json")
    )
    assert summary["layout"] == "jump_cellpaint" and summary["fields"] == 8
    assert summary["split_fields"] == {"train": 4, "val": 4, "test": 0}


def test_fetch_lists_and_downloads_from_a_file_url(shared_data, tmp_path, monkeypatch):
    assert "isl_condition_b" in invoke("data", "fetch", "--list")
    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data.as_uri())
    output = invoke("data", "fetch", "isl_condition_b", "-o", str(tmp_path / "isl"))
    assert "16 files verified" in output


def test_unknown_demo_layout_is_an_error(tmp_path):
    result = runner.invoke(app, ["data", "demo", str(tmp_path), "--layout", "nope"])
    assert result.exit_code != 0
    assert "use 'lmc' or 'jump'" in str(result.exception)


def test_summary_of_a_recipe_counts_its_split(tmp_path):
    import i2i

    if "unet" not in i2i.registries.generators:
        pytest.skip("needs the unet generator plugin for a valid recipe")
    root = tmp_path / "lmc"
    invoke("data", "demo", str(root), "--size", "16")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        "name: lmc_demo\n"
        f"data:\n  dataset: {{name: lmc, root: {root}}}\n"
        "  split: {val_fraction: 0.2, stratify_by: study}\n"
        "model: {in_channels: 1, out_channels: 4, generator: {name: unet}}\n"
    )
    summary = json.loads(invoke("data", "summary", str(recipe), "--json"))
    assert summary["split_fields"] == {"train": 8, "val": 2, "test": 0}


def test_summary_of_a_recipe_takes_overrides(tmp_path):
    """As validate/show/run do: the recipe's dataset root (and any key) from the command line."""
    root = tmp_path / "lmc"
    invoke("data", "demo", str(root), "--layout", "lmc", "--size", "16")
    summary = json.loads(
        invoke("data", "summary", "lmc_nucleus", f"data.dataset.root={root}", "--json")
    )
    assert summary["root"] == str(root) and summary["fields"] == 7  # the fields with a nucleus
    targets = "data.dataset.targets=[Nucleus,Actin]"
    both = json.loads(
        invoke("data", "summary", "lmc_nucleus", f"data.dataset.root={root}", targets, "--json")
    )
    assert both["fields"] == 8


def test_summary_overrides_need_a_recipe(tmp_path):
    root = tmp_path / "lmc"
    invoke("data", "demo", str(root), "--layout", "lmc", "--size", "16")
    result = runner.invoke(app, ["data", "summary", str(root), "train.max_steps=5"])
    assert result.exit_code != 0
    assert "overrides apply to a recipe" in str(result.exception)


def test_fetch_progress_names_each_file_by_what_tells_it_apart(shared_data, tmp_path, monkeypatch):
    """The 16 ISL names share their first 121 characters: the progress names the rest."""
    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data.as_uri())
    result = runner.invoke(app, ["data", "fetch", "isl_condition_b", "-o", str(tmp_path / "isl")])
    assert result.exit_code == 0, result.output
    finals = [frame.split(": ")[0] for frame in result.stderr.split("\n") if "100%" in frame]
    labels = [final.rsplit("\r", 1)[-1] for final in finals]
    assert len(labels) == 16 and len(set(labels)) == 16
    assert labels[0] == "[1/16] z_depth-0,channel-PHASE_CONTRAST"
    assert labels[13] == "[14/16] depth_computation-MAXPROJECT,channel-DAPI_CONFOCAL"
    assert all(len(label) <= 64 for label in labels)
