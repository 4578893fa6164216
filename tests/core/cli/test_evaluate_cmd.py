"""``i2i evaluate`` options as a user gives them: metric lists, best-focus tables."""

from __future__ import annotations

import pandas as pd
import pytest
from evaluate_support import named_channel_folders
from typer.testing import CliRunner

from i2i.cli import main

runner = CliRunner()


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    return named_channel_folders(tmp_path_factory.mktemp("named"))


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def evaluate(capsys, named, out, *options: str) -> tuple[int, str, str]:
    predictions, targets = named
    return run(
        capsys, "evaluate", "--pred", str(predictions), "--target", str(targets), "-o", str(out),
        *options,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--metrics", "mae", "--metrics", "ssim"], ["mae", "ssim"]),
        (["--metrics", "mae,ssim", "--metrics", "pcc"], ["mae", "ssim", "pcc"]),
        (["--metrics", "pcc, mae", "--metrics", "pcc"], ["pcc", "mae"]),
    ],
)
def test_repeated_and_comma_separated_metrics_accumulate(
    capsys, named, tmp_path, options, expected
):
    code, _, err = evaluate(capsys, named, tmp_path / "eval", *options)
    assert code == 0, err
    table = pd.read_csv(tmp_path / "eval" / "per_image.csv")
    assert list(table.columns[2 : 2 + len(expected)]) == expected
    assert not set(table.columns) & ({"mse", "psnr", "ssim", "mae", "pcc"} - set(expected))


def test_best_z_works_with_named_ome_channels(capsys, named, tmp_path):
    best_z = tmp_path / "best_z.csv"
    best_z.write_text("study,field,best_z\nStudy_1,image_0,1\nStudy_1,image_1,1\n")
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--best-z", str(best_z))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "eval" / "per_image.csv")
    assert set(table["field"]) == {"image_0", "image_1"}
    assert set(table["organelle"]) == {"Mitochondria"}
    assert sorted(table["z_deviation"]) == [0, 0, 1, 1, 1, 1]
    assert "By z deviation" in (tmp_path / "eval" / "report.md").read_text()
    assert (tmp_path / "eval" / "summary_by_z_deviation.csv").is_file()


def test_a_best_z_table_that_matches_nothing_is_an_error_listing_both_sides(
    capsys, named, tmp_path
):
    best_z = tmp_path / "best_z.csv"
    best_z.write_text("field,best_z\nimage_40,1\nimage_41,2\n")
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--best-z", str(best_z))
    assert code == 1
    assert "matches none of the scored images" in err
    assert "image_40" in err and "image_0" in err  # what it expected and what it saw
    assert "Traceback" not in err and not (tmp_path / "eval" / "report.md").exists()


def test_a_metadata_table_that_matches_no_prediction_is_an_error(capsys, named, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("image,plate\nimage_0_BF_z0_Mitochondria.ome.tiff,P1\n")  # folder missing
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--meta", str(meta))
    assert code == 1 and "matches none of the 6 prediction(s)" in err
    assert "image_0_BF_z0_Mitochondria.ome.tiff" in err
    assert "Study_1/image_0_BF_z0_Mitochondria.ome.tiff" in err


def test_an_input_folder_that_matches_no_prediction_is_an_error(capsys, named, tmp_path):
    from evaluate_support import blobs, write_tiff

    write_tiff(tmp_path / "inputs" / "other_field.tif", blobs(9))
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--input", str(tmp_path / "inputs"))
    assert code == 1 and "the input folder" in err and "other_field" in err
