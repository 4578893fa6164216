"""``i2i zoo list|info|download|verify|export`` and export → reload round trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from zoo_support import card, outputs, save_tiny_weights, serving, write_manifest

import i2i
from i2i.cli import main
from i2i.zoo import export_model, parse_card

pytestmark = pytest.mark.usefixtures("cache")  # every test gets an empty cache


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process: exit code, stdout, stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def run_folder(tmp_path) -> tuple[Path, torch.Tensor]:
    folder = tmp_path / "runs" / "tiny_unet" / "20261124-101500"
    folder.mkdir(parents=True)
    model = save_tiny_weights(folder / "best.safetensors")
    (folder / "recipe.yaml").write_text("name: tiny_unet\n")
    return folder, outputs(model)


def test_list_shows_every_model(capsys):
    code, out, _ = run(capsys, "zoo", "list")
    assert code == 0
    assert "lmc-mito" in out and "import-from-authors" in out and "jump-5ch" in out


def test_list_json(capsys):
    code, out, _ = run(capsys, "zoo", "list", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["lmc-nucleus"]["organelles"] == ["nucleus"]
    assert rows["lmc-nucleus"]["cached"] == "-"


def test_info_shows_the_card(capsys):
    code, out, _ = run(capsys, "zoo", "info", "lmc-tubulin")
    shown = yaml.safe_load(out)
    assert code == 0
    assert shown["name"] == "lmc-tubulin" and shown["status"] == "import-from-authors"
    assert "BF_to_Tubulin.ckpt" in shown["source"]
    assert "# card from: i2i (model_zoo/lmc-tubulin.yaml)" in out


def test_unknown_name_is_one_clear_error(capsys):
    code, _, err = run(capsys, "zoo", "info", "lmc-nucleas")
    assert code == 1 and "Did you mean 'lmc-nucleus'" in err and "Traceback" not in err


def test_download_and_verify(tmp_path, monkeypatch, capsys, cache, run_folder):
    data = (run_folder[0] / "best.safetensors").read_bytes()
    with serving() as server:
        server.files["w.safetensors"] = data
        cards = [card("lab-dapi", [server.url("w.safetensors")], data)]
        monkeypatch.setenv("I2I_ZOO_MANIFEST", str(write_manifest(tmp_path / "z.yaml", cards)))
        code, out, _ = run(capsys, "zoo", "download", "lab-dapi", "lmc-mito", "-q")
    assert code == 1  # lmc-mito has no published weights
    assert out.startswith("lab-dapi: ") and Path(out.split(": ")[1].strip()).read_bytes() == data
    rows = {row["name"]: row for row in json.loads(run(capsys, "zoo", "list", "--json")[1])}
    assert rows["lab-dapi"]["cached"] == "yes"

    code, out, _ = run(capsys, "zoo", "verify")
    assert (code, out.split()) == (0, ["ok", "lab-dapi/lab-dapi.safetensors"])
    (cache / "models" / "lab-dapi" / "lab-dapi.safetensors").write_bytes(b"x" * len(data))
    code, out, _ = run(capsys, "zoo", "verify")
    assert code == 1 and out.startswith("corrupt") and "i2i zoo download lab-dapi" in out


def test_exported_run_reloads_to_identical_outputs(tmp_path, monkeypatch, run_folder):
    folder, expected = run_folder
    card_path = export_model(folder, "lab-dapi", tmp_path / "published", licence="CC-BY-4.0")

    written = parse_card(yaml.safe_load(card_path.read_text()), str(card_path))
    weights = card_path.with_suffix(".safetensors")
    assert written.files[0].size == weights.stat().st_size
    assert written.organelles == ["dapi"] and written.pixel_size_um == 0.5
    assert written.recipe == "tiny_unet" and written.licence == "CC-BY-4.0"
    assert torch.equal(outputs(i2i.load_model(weights)), expected)
    assert torch.equal(outputs(i2i.load_model(folder)), expected)

    shutil.move(tmp_path / "published", tmp_path / "moved")  # relative URLs travel with the card
    monkeypatch.setenv("I2I_ZOO_MANIFEST", str(tmp_path / "moved" / "lab-dapi.yaml"))
    monkeypatch.setenv("I2I_OFFLINE", "1")
    assert torch.equal(outputs(i2i.load_model("lab-dapi")), expected)


def test_export_cli_with_a_base_url(tmp_path, capsys, run_folder):
    folder, _ = run_folder
    out_dir = tmp_path / "out"
    code, _, err = run(
        capsys,
        "zoo",
        "export",
        str(folder),
        "--name",
        "lab-dapi",
        "-o",
        str(out_dir),
        "--modality",
        "phase-contrast",
        "--base-url",
        "https://example.org/models/",
    )
    assert code == 0, err
    written = yaml.safe_load((out_dir / "lab-dapi.yaml").read_text())
    assert written["files"][0]["urls"] == ["https://example.org/models/lab-dapi.safetensors"]
    assert written["input"]["modality"] == ["phase-contrast"]


def test_export_refuses_weights_without_a_contract(tmp_path, capsys):
    from zoo_support import TINY_SPEC

    from i2i.model import build_model
    from i2i.weights import save_weights

    bare = save_weights(tmp_path / "bare.safetensors", build_model(TINY_SPEC), {})
    code, _, err = run(capsys, "zoo", "export", str(bare), "--name", "x", "-o", str(tmp_path))
    assert code == 1 and "input contract" in err
    assert not (tmp_path / "x.safetensors").exists()


def test_load_model_errors_name_the_problem(tmp_path):
    with pytest.raises(i2i.I2IError, match="no such file"):
        i2i.load_model(tmp_path / "missing.safetensors")
    with pytest.raises(i2i.I2IError, match="neither a file or folder nor a model"):
        i2i.load_model("no-such-model")
    pickle = tmp_path / "model.ckpt"
    pickle.write_bytes(b"not read")
    with pytest.raises(i2i.I2IError, match="never pickles"):
        i2i.load_model(pickle)
