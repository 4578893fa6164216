"""`i2i stack`: single-plane files (the real ISL phase-contrast PNGs) into one z-stack."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import ImageError
from i2i.image_stack import stack_images
from i2i.io import open_image


def isl_planes(shared_data, count=3):
    folder = shared_data / "isl_condition_b"
    return [next(folder.glob(f"*z_depth-{z},channel-PHASE_CONTRAST*.png")) for z in range(count)]


@pytest.mark.parametrize("suffix", [".ome.tif", ".ome.zarr"])
def test_planes_become_the_z_axis_in_order(shared_data, tmp_path, suffix):
    planes = isl_planes(shared_data)
    out = stack_images(planes, tmp_path / f"phase{suffix}", channel_names=["PHASE"])
    with open_image(out) as stacked:
        assert stacked.shape == (1, 1, 3, 1024, 1024)
        assert stacked.channel_names == ["PHASE"]
        for z, plane in enumerate(planes):
            with open_image(plane) as original:
                np.testing.assert_array_equal(stacked.read_plane(z=z), original.read_plane())


def test_cli_stacks_channels_with_names(shared_data, tmp_path):
    planes = isl_planes(shared_data, 2)
    out = tmp_path / "two.ome.tif"
    args = ["stack", *map(str, planes), "-o", str(out), "--axis", "c", "--names", "a,b"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with open_image(out) as stacked:
        assert stacked.shape == (1, 2, 1, 1024, 1024)
        assert stacked.channel_names == ["a", "b"]


def test_mismatched_planes_are_refused(shared_data, tmp_path):
    jump = shared_data / "jump_cpg0000_bf" / "brightfield_focus.tiff"
    with pytest.raises(ImageError, match="must share size"):
        stack_images([isl_planes(shared_data, 1)[0], jump], tmp_path / "bad.ome.tif")
    assert not (tmp_path / "bad.ome.tif").exists()
