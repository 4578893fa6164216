"""``i2i recipe list|validate|show|schema`` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from install_support import EXAMPLE_PLUGIN, pip_install_to
from recipe_support import (
    GOOD_RECIPE,
    THREE_MISTAKES,
    AcmePlugin,
    RecipeDirsPlugin,
    install_fakes,
    write,
)

from i2i.cli import main


@pytest.fixture
def fake_host(i2i_host):
    return install_fakes(i2i_host)


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (it sees the test's plugin host): exit code, out, err."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_validate_prints_a_summary(fake_host, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("I2I_TEST_DATA", str(tmp_path))  # the data check finds the root
    code, out, _ = run(capsys, "recipe", "validate", str(write(tmp_path, "t.yaml", GOOD_RECIPE)))
    assert code == 0
    assert "ok: recipe 'tiny_vq'" in out
    assert "encoder vqgan -> quantizer vector -> generator vqgan" in out
    assert "losses: l1, codebook, gan" in out


def test_validate_with_three_mistakes_reports_all_and_exits_1(fake_host, tmp_path, capsys):
    code, _, err = run(capsys, "recipe", "validate", str(write(tmp_path, "m.yaml", THREE_MISTAKES)))
    assert code == 1
    assert "has 3 problems" in err
    assert "losses.0.name" in err and "Did you mean 'l1'?" in err
    assert "data.batch_size" in err and "'two' is invalid" in err
    assert "train.max_step" in err and "Did you mean 'max_steps'?" in err
    assert "Traceback" not in err


def test_validate_takes_overrides(fake_host, tmp_path, capsys):
    path = str(write(tmp_path, "m.yaml", THREE_MISTAKES))
    fixes = ["losses.0.name=l1", "data.batch_size=2", "train.max_step=null"]
    code, _, err = run(capsys, "recipe", "validate", path, *fixes)
    assert code == 1 and "has 1 problem:" in err  # an unknown key set to null is still unknown
    code, out, _ = run(capsys, "recipe", "show", path, "--unvalidated", *fixes[:2])
    assert yaml.safe_load(out)["train"]["max_step"] == 20


def test_show_prints_the_resolved_recipe_that_validates_again(fake_host, tmp_path, capsys):
    path = write(tmp_path, "t.yaml", GOOD_RECIPE)
    code, out, _ = run(capsys, "recipe", "show", str(path), "train.max_steps=5")
    assert code == 0
    shown = yaml.safe_load(out)
    assert shown["train"]["max_steps"] == 5 and shown["predict"]["blend"] == "gaussian"
    again = write(tmp_path, "again.yaml", out)
    code, out_again, _ = run(capsys, "recipe", "show", str(again))
    assert out_again == out


def test_list_shows_plugin_recipes(fake_host, tmp_path, capsys):
    folder = tmp_path / "shipped"
    folder.mkdir()
    write(folder, "tiny_vq.yaml", GOOD_RECIPE)
    fake_host.add_plugin(RecipeDirsPlugin(folder))
    _, out, _ = run(capsys, "recipe", "list", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["tiny_vq"]["provider"] == "RecipeDirsPlugin"
    assert rows["tiny_vq"]["description"].startswith("A tiny VQ translator")


def test_schema_has_every_component_and_its_parameters(fake_host, tmp_path, capsys):
    fake_host.add_plugin(AcmePlugin())
    code, out, _ = run(capsys, "recipe", "schema", "-o", str(tmp_path / "s.json"))
    assert code == 0 and "wrote" in out
    schema = json.loads((tmp_path / "s.json").read_text())
    acme = schema["$defs"]["Generator_acme_stylegan"]
    assert acme["properties"]["style_dim"]["default"] == 64
    assert acme["properties"]["name"]["const"] == "acme.stylegan"
    generator = schema["$defs"]["ModelSection"]["properties"]["generator"]
    assert set(generator["discriminator"]["mapping"]) == {"acme.stylegan", "unet", "vqgan"}
    assert "extends" in schema["properties"]


def test_schema_of_an_environment_with_the_example_plugin_installed(tmp_path):
    if not EXAMPLE_PLUGIN.is_dir():
        pytest.skip("the example plugin package is not in docs/examples")
    pip_install_to(tmp_path / "site", EXAMPLE_PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-m", "i2i", "recipe", "schema"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    charbonnier = schema["$defs"]["Loss_example_charbonnier"]
    assert {"name", "epsilon", "weight"} <= set(charbonnier["properties"])
    losses = schema["properties"]["losses"]["items"]["discriminator"]["mapping"]
    assert "example.charbonnier" in losses and "l1" in losses


def test_validate_checks_that_the_data_exists(tmp_path, capsys):
    """A real dataset: the demo's 5 mitochondria fields are found; a missing root is an error."""
    from i2i_plugins.datasets.demo import write_lmc_demo

    write_lmc_demo(tmp_path / "lmc", size=16)
    code, out, err = run(
        capsys, "recipe", "validate", "lmc_mito", f"data.dataset.root={tmp_path}/lmc"
    )
    assert code == 0, err
    assert f"data.dataset: 5 fields under {tmp_path}/lmc" in out
    code, out, err = run(capsys, "recipe", "validate", "lmc_mito", "data.dataset.root=/nonexistent")
    assert code == 1 and "ok:" not in out
    assert "data.dataset.root: '/nonexistent' does not exist" in err
    assert "--no-data-check" in err and "Traceback" not in err


def test_validate_reports_a_root_without_fields(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run(
        capsys, "recipe", "validate", "lmc_mito", f"data.dataset.root={tmp_path}/empty"
    )
    assert code == 1 and "data.dataset: dataset 'lmc': no field with inputs" in err


def test_no_data_check_checks_the_recipe_alone(capsys):
    args = ("recipe", "validate", "lmc_mito", "data.dataset.root=/nonexistent", "--no-data-check")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "ok: recipe 'lmc_mito'" in out and "fields under" not in out
