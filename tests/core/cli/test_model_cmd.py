"""``i2i model summary``: parameter counts and FLOPs from a spec, a model section or a recipe."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from i2i.cli import app

SPEC = {
    "in_channels": 1,
    "out_channels": 1,
    "generator": {"name": "unet", "depth": 2, "base_channels": 4, "norm": "none"},
}


def _summary(*args):
    result = CliRunner().invoke(app, ["model", "summary", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _unet_flops(side: int) -> int:
    """Convolution FLOPs of SPEC's UNet at side x side: 2 x MACs of every layer."""
    macs = 0
    plan = [  # (cin, cout, kernel, output side divisor)
        (1, 4, 3, 1),
        (4, 4, 3, 1),
        (4, 4, 2, 2),
        (4, 8, 3, 2),
        (8, 8, 3, 2),
        (8, 8, 2, 4),
        (8, 16, 3, 4),
        (16, 16, 3, 4),
        (16, 8, 1, 2),
        (16, 8, 3, 2),
        (8, 8, 3, 2),  # a stride-2 2x2 transposed conv: one
        (8, 4, 1, 1),
        (8, 4, 3, 1),
        (4, 4, 3, 1),  # input pixel x 4 taps = 1 MAC per output
        (4, 1, 3, 1),
    ]
    for cin, cout, kernel, divisor in plan:
        macs += cin * cout * kernel * kernel * (side // divisor) ** 2
    return 2 * macs


def test_summary_of_a_spec_file(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    data = _summary(str(path), "--size", "32")
    generator, total = data["parts"]
    assert generator["part"] == "generator" and generator["component"] == "unet"
    assert generator["parameters"] == total["parameters"] > 0
    assert generator["flops"] == _unet_flops(32)


def test_summary_of_a_recipe_uses_its_size(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "model": SPEC, "predict": {"tile_size": 64}}))
    data = _summary(str(path))
    assert data["size"] == 64
    assert data["parts"][-1]["flops"] == _unet_flops(64)


def test_summary_rejects_a_file_without_a_model(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("just: data\n")
    result = CliRunner().invoke(app, ["model", "summary", str(path)])
    assert result.exit_code != 0
    assert "neither a recipe nor a model spec" in str(result.exception)
