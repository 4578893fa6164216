"""``i2i evaluate --compare``: every option given applies or is refused, none is ignored."""

from __future__ import annotations

import pandas as pd
import pytest
from evaluate_support import named_channel_folders
from typer.testing import CliRunner

from i2i.evaluate import EvaluationError, compare, evaluate_folders, write_report

runner = CliRunner()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Two evaluation outputs of the same predictions (per_image.csv with every metric)."""
    root = tmp_path_factory.mktemp("cmp")
    predictions, targets = named_channel_folders(root)
    result = evaluate_folders(predictions, targets, panel_size=0)
    return [write_report(result, root / name).parent for name in ("eval_a", "eval_b")], targets


def test_metrics_restrict_a_comparison_of_evaluation_outputs(outputs):
    folders, _ = outputs
    everything = compare(folders, names=["a", "b"])
    assert {"Mitochondria/pcc", "Mitochondria/ssim"} < set(everything.means.columns)
    only_pcc = compare(folders, names=["a", "b"], metrics=["pcc"])
    assert list(only_pcc.means.columns) == ["Mitochondria/pcc"]


def test_a_metric_the_outputs_lack_is_an_error(outputs, tmp_path):
    folders, _ = outputs
    table = pd.read_csv(folders[0] / "per_image.csv").drop(columns=["ssim"])
    (tmp_path / "no_ssim").mkdir()
    table.to_csv(tmp_path / "no_ssim" / "per_image.csv", index=False)
    with pytest.raises(EvaluationError, match="has no ssim column"):
        compare([tmp_path / "no_ssim", folders[1]], metrics=["ssim"])


def test_options_that_only_apply_to_prediction_folders_are_refused(outputs, tmp_path):
    folders, _ = outputs
    meta = tmp_path / "meta.csv"
    meta.write_text("image,z\nx,1\n")
    with pytest.raises(EvaluationError, match="meta apply only when scoring prediction folders"):
        compare(folders, names=["a", "b"], meta=meta)


def test_one_name_per_folder(outputs):
    folders, _ = outputs
    with pytest.raises(EvaluationError, match="1 model name"):
        compare(folders, names=["only_one"])


def test_cli_with_too_few_names_is_one_message(outputs, tmp_path):
    from i2i.cli import main

    folders, _ = outputs
    args = ["evaluate", "--compare", *map(str, folders), "--name", "a", "-o", str(tmp_path / "c")]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
