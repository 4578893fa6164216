"""`i2i run`: resume with the run's own recipe, fp16 on the CPU, what a run prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from safetensors.torch import load_file
from training_support import TINY_UNET, write_recipe
from typer.testing import CliRunner

from i2i.cli import app
from i2i.model import load_translator
from i2i_plugins.datasets.demo import write_lmc_demo

L1 = [{"name": "l1"}]


@pytest.fixture(scope="module")
def lmc_demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lmc_demo")
    write_lmc_demo(root, seed=0)
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", *args])
    text = result.output + (str(result.exception) if result.exception else "")
    return result.exit_code, text


def only_run(tmp_path: Path) -> Path:
    (folder,) = (tmp_path / "runs" / "tiny").iterdir()
    return folder


@pytest.fixture
def first_run(tmp_path, lmc_demo) -> tuple[Path, Path]:
    """A 4-step run of a UNet with 4 base channels (set on the command line, not the file)."""
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=L1, max_steps=4)
    code, output = run(str(recipe), "model.generator.base_channels=4", "train.max_steps=4")
    assert code == 0, output
    return recipe, only_run(tmp_path)


def test_resume_uses_the_runs_recipe_without_repeating_its_overrides(first_run):
    recipe, folder = first_run
    saved = (folder / "recipe.yaml").read_bytes()
    shapes = {k: v.shape for k, v in load_file(folder / "last.safetensors").items()}
    code, output = run(str(recipe), "--resume", "latest", "train.max_steps=6")
    assert code == 0, output
    assert "resuming at step 4 of 6" in output
    # the run's 4 base channels, not the recipe file's 8
    assert {k: v.shape for k, v in load_file(folder / "last.safetensors").items()} == shapes
    _, metadata = load_translator(folder / "last.safetensors")
    assert metadata["recipe"]["model"]["generator"]["base_channels"] == 4
    assert metadata["recipe"]["train"]["max_steps"] == 6
    assert (folder / "recipe.yaml").read_bytes() == saved  # never rewritten
    steps = [line.split(",")[0] for line in (folder / "metrics.csv").read_text().splitlines()]
    assert steps == ["step", "1", "2", "3", "4", "5", "6"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["steps"] == 6 and summary["resumes"] == [{"overrides": ["train.max_steps=6"]}]


def test_resume_refuses_an_override_that_changes_the_run(first_run):
    recipe, folder = first_run
    saved = (folder / "recipe.yaml").read_bytes()
    checkpoints = sorted(p.name for p in (folder / "checkpoints").iterdir())
    code, output = run(
        str(recipe), "--resume", "latest", "model.generator.base_channels=16", "train.lr=0.1"
    )
    assert code != 0
    assert "model.generator.base_channels, train.lr" in output
    assert "train.max_steps" in output  # the keys that may change
    assert "size mismatch" not in output and "Traceback" not in output
    assert (folder / "recipe.yaml").read_bytes() == saved
    assert sorted(p.name for p in (folder / "checkpoints").iterdir()) == checkpoints


def test_resume_accepts_an_override_that_repeats_the_runs_value(first_run):
    recipe, folder = first_run
    code, output = run(
        str(recipe),
        "--resume",
        str(folder),
        "model.generator.base_channels=4",
        "train.max_steps=5",
        "train.validate_every=5",
    )
    assert code == 0, output
    assert json.loads((folder / "summary.json").read_text())["steps"] == 5


def test_resume_with_a_loaded_recipe_that_differs_is_refused(first_run):
    import i2i
    from i2i.errors import I2IError

    recipe, folder = first_run
    changed = i2i.load_recipe(recipe, ["train.max_steps=6"])  # base_channels 8, not the run's 4
    with pytest.raises(I2IError, match="model.generator.base_channels"):
        i2i.train(changed, resume=folder)
    same = i2i.load_recipe(folder / "recipe.yaml", ["train.max_steps=6"])
    assert i2i.train(same, resume=folder).steps == 6


def test_fp16_on_the_cpu_is_refused_before_anything_is_written(tmp_path, lmc_demo):
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=L1)
    code, output = run(str(recipe), "train.mixed_precision=fp16", "--device", "cpu")
    assert code != 0
    assert "train.mixed_precision=fp16" in output and "bf16" in output
    assert not (tmp_path / "runs" / "tiny").exists()


def test_bundled_recipes_train_on_the_cpu_without_fp16(tmp_path, monkeypatch):
    """Refusing fp16 on the CPU breaks no bundled recipe."""
    import i2i
    from i2i.recipe import bundled_recipes

    monkeypatch.chdir(tmp_path)
    for name in bundled_recipes():
        assert i2i.load_recipe(name).train.mixed_precision != "fp16", name


def test_a_run_prints_its_folder_and_plan_first_and_progress_lines_in_a_pipe(
    tmp_path, lmc_demo, monkeypatch
):
    monkeypatch.setattr("i2i.training.progress_report.LINE_INTERVAL_SECONDS", 0.0)
    recipe = write_recipe(tmp_path, lmc_demo, model=TINY_UNET, losses=L1)
    code, output = run(str(recipe))
    assert code == 0, output
    folder = only_run(tmp_path)
    lines = output.splitlines()
    assert lines[0] == f"Run folder: {folder}"
    assert lines[1] == (
        "Plan: 6 steps, validation every 3 steps, a checkpoint every 2, losses logged every 1."
    )
    assert lines[2].startswith("An epoch is 6 steps (6 batches of 4 per process, 1 process(es)")
    assert "\r" not in output  # no progress-bar frames outside a terminal
    progress = [line for line in lines if line.startswith("training: step ")]
    assert progress[-1].startswith("training: step 6/6 (100%)")
    assert len(progress) >= 6
    assert all("loss " in line for line in progress)
    assert "steps/s" in progress[-1] and "ETA" in progress[-1]
    assert "Why it ended: reached train.max_steps (6)." in output


def test_resume_refusal_names_the_recipe_file(first_run):
    recipe, folder = first_run
    code, output = run(str(recipe), "--resume", "latest", "data.batch_size=2")
    assert code != 0
    assert str(folder / "recipe.yaml") in output and "data.batch_size" in output
    assert yaml.safe_load((folder / "recipe.yaml").read_text())["data"]["batch_size"] == 4


def test_the_training_page_lists_the_keys_safe_on_resume():
    from i2i.training.resume import SAFE_ON_RESUME

    page = (Path(__file__).resolve().parents[3] / "docs" / "training.md").read_text()
    listed = page.split("<!-- safe-on-resume:start -->")[1].split("<!-- safe-on-resume:end -->")[0]
    assert [key.strip(" `,\n") for key in listed.split(",")] == list(SAFE_ON_RESUME)


def test_resume_of_a_fine_tuning_does_not_need_its_initial_weights_any_more(first_run, tmp_path):
    recipe, folder = first_run
    initial = tmp_path / "initial.safetensors"
    initial.write_bytes((folder / "last.safetensors").read_bytes())
    runs = tmp_path / "fine_tuning_runs"
    code, output = run(
        str(recipe),
        "--runs-root",
        str(runs),
        "model.generator.base_channels=4",
        f"train.init_from={initial}",
        "train.max_steps=2",
    )
    assert code == 0, output
    initial.unlink()  # the checkpoint holds the weights now
    code, output = run(
        str(recipe), "--runs-root", str(runs), "--resume", "latest", "train.max_steps=3"
    )
    assert code == 0, output
    (tuned,) = (runs / "tiny").iterdir()
    assert json.loads((tuned / "summary.json").read_text())["steps"] == 3
