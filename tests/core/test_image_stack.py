"""`i2i stack`: single-plane files (the real ISL phase-contrast PNGs) into one z-stack."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from i2i.cli import app
from i2i.image import ImageError
from i2i.image_stack import PlaneOrderWarning, plane_order, stack_images, z_index
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


def lexical_isl_planes(shared_data, indices=(0, 1, 2, 10, 11)):
    """The ISL phase planes ``indices`` in the order a shell glob gives them (lexical)."""
    folder = shared_data / "isl_condition_b"
    return sorted(next(folder.glob(f"*z_depth-{z},channel-PHASE_CONTRAST*.png")) for z in indices)


def assert_planes_are(out, planes):
    with open_image(out) as stacked:
        assert stacked.shape[2] == len(planes)
        for z, plane in enumerate(planes):
            with open_image(plane) as original:
                np.testing.assert_array_equal(stacked.read_plane(z=z), original.read_plane())


def test_cli_stacks_a_lexical_glob_by_z_index_and_says_so(shared_data, tmp_path):
    planes = lexical_isl_planes(shared_data)
    assert [z_index(p) for p in planes] == [0, 1, 10, 11, 2]  # what *PHASE_CONTRAST*.png gives
    out = tmp_path / "phase.ome.tif"
    result = CliRunner().invoke(app, ["stack", *map(str, planes), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "planes stacked by z index: 0, 1, 2, 10, 11" in result.stdout
    assert "Warning:" in result.stderr and "0, 1, 10, 11, 2" in result.stderr
    assert_planes_are(out, sorted(planes, key=z_index))


def test_keep_order_stacks_as_given_and_warns(shared_data, tmp_path):
    planes = lexical_isl_planes(shared_data, (0, 10, 2))
    out = tmp_path / "given.ome.tif"
    result = CliRunner().invoke(app, ["stack", *map(str, planes), "-o", str(out), "--keep-order"])
    assert result.exit_code == 0, result.output
    assert "names suggest 0, 2, 10" in result.stderr
    assert "planes stacked in the given order, z: 0, 10, 2" in result.stdout
    assert result.stderr.count("names suggest") == 1  # said once, not again as a Python warning
    assert_planes_are(out, planes)


def test_planes_in_z_order_are_stacked_without_a_warning(shared_data, tmp_path):
    planes = isl_planes(shared_data, 3)
    result = CliRunner().invoke(app, ["stack", *map(str, planes), "-o", str(tmp_path / "s.tif")])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr and "by z index: 0, 1, 2" in result.stdout


def test_the_python_api_orders_by_z_with_a_warning(shared_data, tmp_path):
    planes = lexical_isl_planes(shared_data, (1, 10, 2))
    with pytest.warns(PlaneOrderWarning, match="stacked by z index"):
        out = stack_images(planes, tmp_path / "api.ome.zarr")
    assert_planes_are(out, sorted(planes, key=z_index))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["s_z10.tif", "s_z2.tif", "s_z1.tif"], ["s_z1.tif", "s_z2.tif", "s_z10.tif"]),
        (["a z=3.png", "a z=1.png"], ["a z=1.png", "a z=3.png"]),
        (["img_Z07.tif", "img_Z003.tif"], ["img_Z003.tif", "img_Z07.tif"]),
        (["plane10.tif", "plane9.tif", "plane1.tif"], ["plane1.tif", "plane9.tif", "plane10.tif"]),
    ],
)
def test_plane_order_reads_z_tokens_or_sorts_naturally(names, expected):
    order = plane_order(names)
    assert [p.name for p in order.planes] == expected and order.reordered


def test_two_files_with_the_same_z_index_are_refused():
    with pytest.raises(ImageError, match="both carry z index 3"):
        plane_order(["a_z3.tif", "b_z3.tif"])


def test_repeated_names_accumulate_like_a_comma_list(shared_data, tmp_path):
    planes = isl_planes(shared_data, 2)
    out = tmp_path / "two.ome.tif"
    args = ["stack", *map(str, planes), "-o", str(out), "--axis", "c"]
    result = CliRunner().invoke(app, [*args, "--names", "a", "--names", "b"])
    assert result.exit_code == 0, result.output
    with open_image(out) as stacked:
        assert stacked.channel_names == ["a", "b"]


def test_stack_refuses_a_folder_of_other_files_and_a_negative_pixel_size(shared_data, tmp_path):
    planes = [str(p) for p in isl_planes(shared_data, 2)]
    folder = tmp_path / "stack.ome.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(app, ["stack", *planes, "-o", str(folder)])
    assert refused.exit_code != 0
    assert "holding 1 entry (notes.txt)" in str(refused.exception)
    assert (folder / "notes.txt").read_text() == "mine"
    replaced = CliRunner().invoke(app, ["stack", *planes, "-o", str(folder), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert open_image(folder).shape == (1, 1, 2, 1024, 1024)
    negative = CliRunner().invoke(
        app, ["stack", *planes, "-o", str(tmp_path / "s.ome.tif"), "--pixel-size", "-1"]
    )
    assert negative.exit_code != 0
    assert "pixel size -1.0 µm: give a size in µm greater than 0" in str(negative.exception)
    assert not (tmp_path / "s.ome.tif").exists()
