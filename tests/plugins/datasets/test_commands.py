"""The datasets plugin's commands, added through the CLI hook: ``i2i predict-lmc`` (the Light
My Cells container contract) and ``i2i data demo`` (the demo writers beside the layouts)."""

from __future__ import annotations

import numpy as np
import predict_support
import pytest
from typer.testing import CliRunner

import i2i_plugins.datasets
from i2i.cli import app
from i2i_plugins.datasets import jump, lmc

runner = CliRunner()


@pytest.fixture
def fake_models(monkeypatch, i2i_host):
    """``--model NAME`` gives an identity model predicting channel NAME; npy reader/writer."""
    i2i_host.add_plugin(i2i_plugins.datasets)
    return predict_support.fake_models(monkeypatch, i2i_host)


def test_predict_lmc_writes_the_challenge_layout(tmp_path, fake_models, i2i_host):
    import tifffile

    source = tmp_path / "in"
    source.mkdir()
    for name in ("image_1_BF_z0.tiff", "image_2_PC_z1.tiff"):
        tifffile.imwrite(source / name, np.random.default_rng(0).random((20, 24), np.float32))
    result = runner.invoke(
        app,
        [
            "predict-lmc",
            "--input-dir",
            str(source),
            "--output-dir",
            str(tmp_path / "out"),
            "--model-nucleus",
            "nucleus",
            "--model-actin",
            "actin",
            "--tile-size",
            "16",
        ],
    )
    assert result.exit_code == 0, result.output
    for organelle in ("nucleus", "actin"):
        folder = tmp_path / "out" / f"{organelle}-fluorescence-ome-tiff"
        names = sorted(p.name for p in folder.glob("*.tiff"))
        assert names == ["image_1_BF_z0.tiff", "image_2_PC_z1.tiff"]
        assert np.load(folder / names[0]).shape == (1, 1, 1, 20, 24)
    assert {name for name, _ in fake_models} == {"nucleus", "actin"}


def test_predict_lmc_needs_a_model(tmp_path):
    result = runner.invoke(app, ["predict-lmc", "--input-dir", str(tmp_path), "--output-dir", "o"])
    assert result.exit_code != 0 and "at least one model" in str(result.exception)


def test_predict_lmc_rejects_a_device_name_before_loading_a_model(tmp_path, fake_models):
    (tmp_path / "image_1_BF_z0.tiff").write_bytes(b"")
    args = ["predict-lmc", "--input-dir", str(tmp_path), "--output-dir", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--model-nucleus", "n", "--device", "gpu0"])
    assert result.exit_code != 0 and "--device 'gpu0'" in str(result.exception)
    assert fake_models == []


def test_the_commands_come_from_the_datasets_plugin(i2i_host):
    assert "predict-lmc" not in runner.invoke(app, ["--help"]).output
    assert runner.invoke(app, ["data", "demo", "x"]).exit_code == 2  # no such command
    i2i_host.add_plugin(i2i_plugins.datasets)
    assert "predict-lmc" in runner.invoke(app, ["--help"]).output
    assert "demo" in runner.invoke(app, ["data", "--help"]).output


def test_demo_writes_the_names_its_layout_parses(tmp_path):
    result = runner.invoke(app, ["data", "demo", str(tmp_path / "j"), "--layout", "jump"])
    assert result.exit_code == 0, result.output
    assert "jump_cellpaint demo dataset" in result.output
    names = [p.name for p in (tmp_path / "j").rglob("*.tiff")]
    assert len(names) == 64 and all(jump.FILE.match(name) for name in names)
    assert (
        jump.FILE.format(well="r01c02", site="f03", channel=8) == "r01c02f03p01-ch8sk1fk1fl1.tiff"
    )


def test_lmc_naming_writes_what_it_parses():
    name = lmc.INPUT.format(id=12, modality="DIC", z=4)
    assert name == "image_12_DIC_z4.ome.tiff"
    assert lmc.INPUT.match(name) == {"id": "12", "modality": "DIC", "z": "4"}
    assert lmc.INPUT.match("image_12_DIC_z4.ome.tif") is not None
    assert lmc.TARGET.match("image_3_Actin.ome.tiff") == {"id": "3", "organelle": "Actin"}
    assert lmc.TARGET.match("image_3_Actin.tiff") is None
    assert lmc.INPUT.match("image_3_XX_z0.ome.tiff") is None
