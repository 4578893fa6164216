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


class _CountingPlugin:
    """A third-party evaluation extension: counts the pairs and channels it is given."""

    @staticmethod
    def _evaluate(images, params, inputs):
        from i2i.evaluation_extensions import ExtensionReport

        seen = [(image.name, image.channels, image.real.shape) for image in images]
        inputs.out_dir.mkdir(parents=True)
        written = inputs.out_dir / "count.txt"
        written.write_text(str(len(seen)))
        section = f"## Counted\n\n{len(seen)} pairs, scale {params.scale}, labels {inputs.labels}"
        numbers = {
            "pairs": len(seen) * params.scale,
            "channels": sorted({c for _, cs, _ in seen for c in cs}),
        }
        return ExtensionReport(markdown=section, numbers=numbers, files=(written,))

    @staticmethod
    def i2i_evaluation_extensions():
        import i2i
        from i2i.evaluation_extensions import EvaluationExtension

        class CountParams(i2i.Params):
            scale: int = 1

        return [
            EvaluationExtension(
                name="count",
                description="Counts pairs.",
                params=CountParams,
                evaluate=_CountingPlugin._evaluate,
                reads=frozenset({"labels"}),
            ),
            EvaluationExtension(
                name="needs_lib",
                description="Needs a library that is not installed.",
                params=CountParams,
                evaluate=_CountingPlugin._evaluate,
                requires=("i2i_no_such_library",),
                install="pip install i2i-no-such-library.",
            ),
        ]


@pytest.fixture
def without_object_metrics():
    """Every installed plugin but object_metrics (as when its registration is absent), plus a
    third-party plugin with the evaluation extensions ``count`` and ``needs_lib``."""
    from importlib.metadata import entry_points

    from i2i import hookimpl, plugins

    plugin = _CountingPlugin()
    for hook in ("i2i_evaluation_extensions",):
        setattr(plugin, hook, hookimpl(getattr(_CountingPlugin, hook)))
    host = plugins.PluginHost(strict=False)
    host.load_entry_points(
        only=[ep.name for ep in entry_points(group="i2i") if ep.name != "object_metrics"]
    )
    host.add_plugin(plugin)
    previous, plugins._default_host = plugins._default_host, host
    try:
        yield host
    finally:
        plugins._default_host = previous


def test_objects_without_the_plugin_says_what_is_installed(
    capsys, named, tmp_path, without_object_metrics
):
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--objects")
    assert code == 1
    assert "No evaluation extension 'objects' is installed" in err
    assert "Installed: count, needs_lib. Install the plugin that provides it" in err
    assert "Traceback" not in err
    assert not (tmp_path / "eval").exists()  # refused before any scoring


def test_an_extension_whose_library_is_missing_names_it_and_its_install(
    capsys, named, tmp_path, without_object_metrics
):
    code, _, err = evaluate(capsys, named, tmp_path / "eval", "--extension", "needs_lib")
    assert code == 1
    assert "needs i2i_no_such_library, which is not installed" in err
    assert "pip install i2i-no-such-library." in err


def test_an_extension_gets_the_pairs_and_adds_its_section_and_numbers(
    capsys, named, tmp_path, without_object_metrics
):
    import json

    out = tmp_path / "eval"
    code, stdout, err = evaluate(
        capsys, named, out, "--extension", "count", "--param", "count.scale=10", "--json"
    )
    assert code == 0, err
    numbers = json.loads(stdout)
    assert numbers["count"] == {"pairs": 60, "channels": ["Mitochondria"]}  # 2 fields x 3 z
    assert {row["organelle"] for row in numbers["summary"]} == {"Mitochondria"}
    assert (out / "count" / "count.txt").read_text() == "6"
    report = (out / "report.md").read_text()
    assert report.index("## Metrics by organelle") < report.index("## Counted\n\n6 pairs, scale 10")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--labels", "labels/"],
            "--labels is read only by an evaluation extension (--extension count)",
        ),
        (
            ["--conditions", "c.csv"],
            "--conditions is read only by an evaluation extension (none is installed",
        ),
        (["--param", "count.scale=2"], "'count', which is not a chosen evaluation extension"),
        (["--extension", "count", "--param", "count=2"], "is not of the form NAME.key=value"),
        (
            ["--extension", "count", "--param", "count.scale=many"],
            "count.…): scale: Input should be a valid integer",
        ),
        (
            ["--extension", "count", "--param", "count.colour=red"],
            "colour: Extra inputs are not permitted",
        ),
        (
            ["--extension", "cuont"],
            "No evaluation extension 'cuont' is installed. Did you mean 'count'?",
        ),
    ],
)
def test_extension_options_that_cannot_apply_are_errors(
    capsys, named, tmp_path, without_object_metrics, options, expected
):
    code, _, err = evaluate(capsys, named, tmp_path / "eval", *options)
    assert code == 1 and expected in " ".join(err.split()), err
    assert not (tmp_path / "eval").exists()


def test_compare_refuses_extension_options(capsys, tmp_path, without_object_metrics):
    code, _, err = run(
        capsys, "evaluate", "--compare", str(tmp_path / "a"), str(tmp_path / "b"), "--objects"
    )
    assert code == 1 and "--objects evaluate one model" in err


def test_evaluate_reports_progress_as_plain_lines_when_stderr_is_not_a_terminal(
    capsys, named, tmp_path, monkeypatch
):
    code, _, err = evaluate(capsys, named, tmp_path / "eval")
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("evaluate: ")]
    assert lines[0].startswith("evaluate: 1/6 images (17%)")  # 2 fields x 3 z-planes
    assert lines[-1] == "evaluate: 6/6 images (100%)" and len(lines) == 2  # 30 s apart at most
    assert "\r" not in err
    import i2i.cli.progress

    monkeypatch.setattr(i2i.cli.progress, "LINE_INTERVAL_SECONDS", 0.0)
    code, _, err = evaluate(capsys, named, tmp_path / "again")
    lines = [line for line in err.splitlines() if line.startswith("evaluate: ")]
    assert code == 0 and [line.split(" (")[0] for line in lines] == [
        f"evaluate: {n}/6 images" for n in range(1, 7)
    ]
    assert "images/s | ETA" in lines[2]


def test_evaluate_progress_on_a_terminal_is_a_bar_not_lines():
    import io

    from i2i.cli.progress import item_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with item_progress("evaluate", "images", stream) as advance:
        for done in range(1, 4):
            advance(done, 3)
    shown = stream.getvalue()
    assert "evaluate: images" in shown and "━" in shown  # a bar drawn on the terminal
    assert "3/3 images" not in shown  # not the lines of a log
