"""i2i.evaluate and ``i2i evaluate``: matching, metadata, summaries, reports and rankings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
import torch
from evaluate_support import blobs
from typer.testing import CliRunner

import i2i
from i2i.cli import app, main
from i2i.evaluate import (
    EvaluationError,
    Evaluator,
    compare,
    evaluate_folders,
    write_ranking,
    write_report,
)
from i2i.evaluate.matching import match


def lmc_folders(root: Path, noise: float = 100.0, seed: int = 0) -> tuple[Path, Path]:
    """Targets ``Study_1/image_<f>_<Organelle>.tif``; predictions ``..._BF_z<k>_<Organelle>``."""
    rng = np.random.default_rng(seed)
    targets, predictions = root / "targets", root / f"pred_{noise:g}"
    for field in range(2):
        for organelle in ("Nucleus", "Actin"):
            target = blobs(10 * field + len(organelle))
            (targets / "Study_1").mkdir(parents=True, exist_ok=True)
            tifffile.imwrite(targets / "Study_1" / f"image_{field}_{organelle}.tif", target)
            for z in range(3):
                guess = target + rng.normal(0, noise * (1 + abs(z - 1)), target.shape)
                (predictions / "Study_1").mkdir(parents=True, exist_ok=True)
                name = f"image_{field}_BF_z{z}_{organelle}.ome.tif"
                tifffile.imwrite(predictions / "Study_1" / name, guess.astype(np.float32))
    return predictions, targets


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("lmc")
    predictions, targets = lmc_folders(root)
    (root / "best_z.csv").write_text("study,field,best_z\nStudy_1,image_0,1\nStudy_1,image_1,1\n")
    return predictions, targets, root / "best_z.csv"


def test_lmc_names_match_and_give_metadata(folders):
    predictions, targets, _ = folders
    pairs = {p.name: p for p in match(predictions, targets)}
    pair = pairs["Study_1/image_1_BF_z2_Actin.ome.tif"]
    assert pair.target == targets / "Study_1" / "image_1_Actin.tif"
    assert pair.meta == {"modality": "BF", "z": 2, "study": "Study_1"}


def test_folder_scores_equal_the_metric_components(folders):
    predictions, targets, best_z = folders
    result = evaluate_folders(predictions, targets, best_z=best_z, panel_size=0)
    table = result.per_image
    assert list(table.columns[:9]) == [
        "image",
        "channel",
        *("mae", "mse", "ssim", "pcc", "euclidean", "cosine", "psnr"),
    ]
    assert len(table) == 12 and set(table["organelle"]) == {"Nucleus", "Actin"}
    row = table[table["image"] == "Study_1/image_0_BF_z2_Nucleus.ome.tif"].iloc[0]
    assert (row["field"], row["study"], row["z"], row["z_deviation"]) == (
        "image_0",
        "Study_1",
        2,
        1,
    )
    prediction = tifffile.imread(predictions / row["image"])[None, None]
    target = tifffile.imread(targets / "Study_1/image_0_Nucleus.tif").astype(np.int32)[None, None]
    for name in ("mae", "ssim", "pcc", "cosine"):
        expected = i2i.registries.metrics.create({"name": name})(
            torch.from_numpy(prediction), torch.from_numpy(target)
        )
        assert row[name] == pytest.approx(float(expected), rel=1e-12)


def test_summaries_use_each_organelles_metric_set(folders):
    predictions, targets, best_z = folders
    result = evaluate_folders(predictions, targets, best_z=best_z, panel_size=0)
    by_organelle = result.summary().set_index("organelle")
    assert np.isnan(by_organelle.loc["Actin", "mae"]) and not np.isnan(
        by_organelle.loc["Actin", "ssim"]
    )
    assert not np.isnan(by_organelle.loc["Nucleus", "mae"])
    assert by_organelle.loc["Nucleus", "n"] == 6
    by_z = result.summary(by="z_deviation")
    nucleus = by_z[by_z["organelle"] == "Nucleus"].set_index("z_deviation")
    assert nucleus.loc[0, "n"] == 2 and nucleus.loc[1, "n"] == 4
    assert nucleus.loc[0, "pcc"] > nucleus.loc[1, "pcc"]  # noisier away from focus
    painting = evaluate_folders(predictions, targets, metric_set="cell_painting", panel_size=0)
    actin = painting.summary().set_index("organelle").loc["Actin"]
    assert not np.isnan(actin["mse"]) and np.isnan(actin["psnr"])


def test_report_has_tables_and_readable_figures(folders, tmp_path):
    predictions, targets, best_z = folders
    result = evaluate_folders(predictions, targets, best_z=best_z, panel_size=32)
    report = write_report(result, tmp_path / "eval", sources={"predictions": str(predictions)})
    text = report.read_text()
    for heading in ("Metrics by organelle", "By z deviation", "By study", "Best, median and worst"):
        assert heading in text
    figures = tmp_path / "eval" / "figures"
    for name in ("distributions.png", "z_deviation.png", "panels_nucleus.png", "panels_actin.png"):
        assert (figures / name).stat().st_size > 10_000
        assert f"figures/{name}" in text
    reread = pd.read_csv(tmp_path / "eval" / "per_image.csv")
    assert len(reread) == 12 and (tmp_path / "eval" / "summary_by_z_deviation.csv").is_file()


@pytest.mark.parametrize(
    ("metrics", "metric_set", "actin_metrics"),
    [
        (["mae"], None, ["mae"]),  # Actin's set (SSIM, PCC) has none of them: all are shown
        (["mse", "cosine"], None, ["mse", "cosine"]),  # Nucleus's set has cosine only
        (["mae", "ssim"], None, ["ssim"]),
        (["psnr"], "cell_painting", ["psnr"]),  # an explicit set without any of them
    ],
)
def test_any_metric_subset_gives_a_report_with_every_organelle(
    folders, tmp_path, metrics, metric_set, actin_metrics
):
    predictions, targets, best_z = folders
    result = evaluate_folders(
        predictions, targets, best_z=best_z, metrics=metrics, metric_set=metric_set, panel_size=16
    )
    assert result.metrics_for("Actin") == actin_metrics
    actin = result.summary().set_index("organelle").loc["Actin"]
    assert [m for m in metrics if not np.isnan(actin[m])] == actin_metrics
    text = write_report(result, tmp_path / "eval").read_text()
    assert "| Actin |" in text and "| Nucleus |" in text
    for name in ("distributions", "z_deviation", "panels_nucleus", "panels_actin"):
        assert f"figures/{name}.png" in text
        assert (tmp_path / "eval" / "figures" / f"{name}.png").is_file()


def test_cli_scores_with_one_metric_outside_an_organelles_set(folders, tmp_path):
    predictions, targets, _ = folders
    args = ["--pred", str(predictions), "--target", str(targets), "-o", str(tmp_path / "eval")]
    result = CliRunner().invoke(app, ["evaluate", *args, "--metrics", "mae"])
    assert result.exit_code == 0, result.output
    assert "| Actin | 0." in (tmp_path / "eval" / "report.md").read_text()


def test_reports_with_masked_targets_and_rows_without_organelle(tmp_path):
    """A target masked in every image has no row; a row without organelle has no set."""
    rng = np.random.default_rng(2)
    target = rng.random((3, 2, 16, 16))
    evaluator = Evaluator(["mae"], device="cpu", panel_size=8)
    evaluator.add(
        target + 0.1 * rng.random(target.shape),
        target,
        images=["a", "b", "c"],
        channels=["Nucleus", "Actin"],
        meta=[{}, {}, {"organelle": None}],
        mask=[[1, 0], [1, 0], [1, 0]],
    )
    result = evaluator.result()
    assert list(result.per_image["organelle"].fillna("-")) == ["Nucleus", "Nucleus", "-"]
    assert result.metrics_for(None) == ["mae"]
    text = write_report(result, tmp_path / "eval").read_text()
    assert "panels_nucleus.png" in text and "panels_actin" not in text
    unnamed = Evaluator(["mae"], device="cpu", panel_size=8)
    unnamed.add(target, target, images=["a", "b", "c"], meta=[{"organelle": None}] * 3)
    text = write_report(unnamed.result(), tmp_path / "unnamed").read_text()
    assert "| MAE ↓ | n |" in text and "figures/" not in text  # no organelle to draw by


def test_an_empty_metric_list_is_a_clear_error():
    with pytest.raises(EvaluationError, match=r"metrics=\[\] names no metric"):
        Evaluator([], device="cpu")


def test_evaluator_scores_in_memory_batches_and_skips_masked_channels():
    rng = np.random.default_rng(1)
    target = torch.from_numpy(rng.random((2, 2, 16, 16)))
    prediction = target + 0.1 * torch.from_numpy(rng.random((2, 2, 16, 16)))
    evaluator = Evaluator(["ssim", "pcc"], device="cpu", panel_size=8)
    rows = evaluator.add(
        prediction,
        target,
        images=["a", "b"],
        channels=["Nucleus", "Tubulin"],
        meta=[{"z": 1}, {"z": 3}],
        inputs=rng.random((2, 1, 16, 16)),
        mask=[[1, 1], [1, 0]],
    )
    assert [(r["image"], r["channel"], r["z"]) for r in rows] == [
        ("a", "Nucleus", 1),
        ("a", "Tubulin", 1),
        ("b", "Nucleus", 3),
    ]
    result = evaluator.result()
    assert list(result.per_image.columns) == ["image", "channel", "ssim", "pcc", "organelle", "z"]
    assert result.panels[2].input is not None and result.panels[2].target.shape == (8, 8)


def test_mismatched_shapes_and_unmatched_files_are_clear_errors(tmp_path, folders):
    _, targets, _ = folders
    with pytest.raises(EvaluationError, match="same shape"):
        Evaluator(["mae"], device="cpu").add(
            np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 8, 9)), images=["x"]
        )
    (tmp_path / "p").mkdir()
    tifffile.imwrite(tmp_path / "p" / "other.tif", np.zeros((8, 8), np.float32))
    with pytest.raises(EvaluationError, match="No prediction"):
        evaluate_folders(tmp_path / "p", targets)
    with pytest.raises(EvaluationError, match="does not exist"):
        evaluate_folders(tmp_path / "missing", targets)


def test_compare_ranks_the_better_model_first(tmp_path, folders):
    predictions, targets, _ = folders
    worse, _ = lmc_folders(tmp_path, noise=400.0, seed=1)
    write_report(evaluate_folders(predictions, targets, panel_size=0), tmp_path / "good_eval")
    comparison = compare(
        [worse, tmp_path / "good_eval"], target_dir=targets, names=["noisy", "good"]
    )
    positions = comparison.positions
    assert list(positions.index) == ["good", "noisy"]
    assert list(positions.columns[:3]) == ["Actin/ssim", "Actin/pcc", "Nucleus/mae"]
    assert positions.loc["good", "average position"] == 1.0 and positions.loc["noisy", "rank"] == 2
    assert "| good | 1 |" in write_ranking(comparison, tmp_path / "cmp").read_text()


def test_cli_evaluates_folders_and_compares(tmp_path, folders):
    predictions, targets, best_z = folders
    runner = CliRunner()
    out = tmp_path / "eval"
    args = ["evaluate", "--pred", str(predictions), "--target", str(targets), "-o", str(out)]
    result = runner.invoke(app, [*args, "--best-z", str(best_z), "--metrics", "ssim,pcc"])
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file() and "ssim" in (out / "per_image.csv").read_text()
    twice = runner.invoke(
        app,
        [
            "evaluate",
            "--compare",
            str(out),
            str(out),
            "--name",
            "a",
            "--name",
            "b",
            "-o",
            str(tmp_path / "c"),
        ],
    )
    assert twice.exit_code == 0, twice.output
    assert (tmp_path / "c" / "ranking.csv").is_file()


def test_cli_usage_errors_are_one_paragraph(capsys, folders):
    predictions, _, _ = folders
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--pred", str(predictions)])
    assert exit_info.value.code == 1
    assert "Give --pred DIR and --target DIR" in capsys.readouterr().err


def test_real_isl_pngs_are_scored_like_the_metric_components(shared_data, tmp_path):
    folder = shared_data / "isl_condition_b"
    (tmp_path / "target").mkdir()
    (tmp_path / "pred").mkdir()
    (tmp_path / "target" / "field_Nucleus.png").symlink_to(next(folder.glob("*DAPI_CONFOCAL*.png")))
    (tmp_path / "pred" / "field_Nucleus.png").symlink_to(next(folder.glob("*MAP2_CONFOCAL*.png")))
    row = evaluate_folders(tmp_path / "pred", tmp_path / "target", panel_size=0).per_image.iloc[0]
    assert row["organelle"] == "Nucleus" and row["field"] == "field"
    assert -1 <= row["pcc"] <= 1 and 0 < row["ssim"] < 1 and row["mae"] > 0


def test_tta_spread_channels_are_not_scored_and_their_mean_is_reported(shared_data, tmp_path):
    """``i2i predict --tta --uncertainty`` adds ``<name>_tta_std`` channels: evaluation scores
    the prediction alone (the same figures as without them) and reports the mean spread."""
    from i2i.io import open_image, write_image

    (dapi,) = (shared_data / "isl_condition_b").glob("*DAPI_CONFOCAL*.png")
    with open_image(dapi) as image:
        real = image.read(y=slice(0, 256), x=slice(0, 256))[0, 0, 0].astype(np.float32)
    predicted = real + np.random.default_rng(0).normal(0, 50, real.shape).astype(np.float32)
    spread = np.full_like(real, 7.0)
    write_image(tmp_path / "target" / "f_Nucleus.ome.tif", real[None, None], ["Nucleus"])
    write_image(tmp_path / "plain" / "f_Nucleus.ome.tif", predicted[None, None], ["Nucleus"])
    write_image(
        tmp_path / "tta" / "f_Nucleus.ome.tif",
        np.stack([predicted, spread])[None, :, None],
        ["Nucleus", "Nucleus_tta_std"],
    )
    plain = evaluate_folders(tmp_path / "plain", tmp_path / "target", panel_size=0).per_image
    tta = evaluate_folders(tmp_path / "tta", tmp_path / "target", panel_size=0).per_image
    assert len(tta) == 1
    assert tta.iloc[0]["pcc"] == pytest.approx(plain.iloc[0]["pcc"])
    assert tta.iloc[0]["tta_std"] == pytest.approx(7.0)
