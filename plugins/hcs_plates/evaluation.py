"""``i2i plate evaluate``: a predicted plate scored against a plate of real channels.

Fields are paired by address (``B/03/0`` in both plates) and channels by name (the predicted
plate's channels, e.g. ``DNA``, must be channels of the target plate's fields). Every (t, z)
plane of every field is scored by the core's :class:`~i2i.evaluate.Evaluator` (the Light My
Cells metrics, challenge normalisation), and :func:`~i2i.evaluate.write_report` writes the
per-field table, summaries and report; beside them go the means per well (``per_well.csv``)
and per plate (``per_plate.csv``), and one plate-map heat map per channel
(``figures/plate_map_<channel>.png``, each well coloured by its mean of ``map_metric``).
A plate given as both prediction and target is scored on the predictions written into it
with ``--into`` (``B/03/0/predictions/<name>`` against ``B/03/0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from i2i.naming import TTA_STD_SUFFIX
from i2i_plugins.hcs_plates.errors import PlateError
from i2i_plugins.hcs_plates.figures import plate_map
from i2i_plugins.hcs_plates.into import plate_predictions, prediction_path
from i2i_plugins.hcs_plates.metadata import Plate, check_fields, field_channel_names, read_plate

if TYPE_CHECKING:
    from i2i.evaluate import Evaluator
    from i2i.evaluate.result import EvaluationResult


def evaluate_plate(
    prediction: str | Path,
    target: str | Path,
    out_dir: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    map_metric: str = "pcc",
    metric_set: str | None = None,
    normalize: str = "challenge",
    device: str = "auto",
) -> tuple[EvaluationResult, Path]:
    """Score every field of ``prediction`` against ``target``: the scores and the report."""
    from i2i.evaluate import Evaluator, write_report

    predicted, real = read_plate(prediction), read_plate(target)
    check_fields(predicted)
    check_fields(real)
    _check_pairing(predicted, real)
    evaluator = Evaluator(metrics, normalize=normalize, device=device, metric_set=metric_set)
    for address in predicted.field_addresses:
        for image in _predicted_images(predicted, real, address):
            _score_field(evaluator, image, real, address)
    result = evaluator.result()
    out = Path(out_dir)
    sources = {"predictions": str(predicted.path), "targets": str(real.path)}
    report = write_report(result, out, title="i2i plate evaluation", sources=sources)
    table = result.per_image
    names = result.metrics
    per_well = table.groupby(["well", "channel"], sort=False)[names].mean().reset_index()
    per_well.to_csv(out / "per_well.csv", index=False)
    per_plate = table.groupby(["channel"], sort=False)[names].mean().reset_index()
    per_plate.to_csv(out / "per_plate.csv", index=False)
    metric = map_metric if map_metric in names else names[0]
    figures = [
        plate_map(per_well[per_well["channel"] == channel], predicted, metric, channel, out)
        for channel in per_well["channel"].unique()
    ]
    _append_to_report(report, per_plate, names, metric, figures)
    return result, report


def _check_pairing(predicted: Plate, real: Plate) -> None:
    missing = [a for a in predicted.field_addresses if a not in set(real.field_addresses)]
    if missing:
        raise PlateError(
            f"{real.path}: the target plate has no field {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''} of the predicted plate {predicted.path}. "
            "Evaluate a prediction against the plate it was predicted from (or one with the "
            "same wells and fields)."
        )


def _predicted_images(predicted: Plate, real: Plate, address: str) -> list[Path]:
    """The prediction(s) of a field: the field of the predicted plate, or, when it is the target
    plate itself, the predictions written into it with ``--into``."""
    if predicted.path.resolve() != real.path.resolve():
        return [predicted.field_path(address)]
    names = list(plate_predictions(predicted))
    if not names:
        raise PlateError(
            f"{predicted.path} is both the prediction and the target, but holds no predictions "
            "written into it (i2i predict PLATE -m MODEL --into). Give the predicted plate as "
            "--pred."
        )
    return [prediction_path(predicted, address, name) for name in names]


def _score_field(evaluator: Evaluator, image: Path, real: Plate, address: str) -> None:
    """Score every (t, z) plane of a field's prediction, channel by channel; the
    ``<name>_tta_std`` channels of ``--tta --uncertainty`` are not scored but give each
    channel's ``tta_std`` column, as ``i2i evaluate`` does for files."""
    from i2i.evaluate.folders import without_tta_spread
    from i2i.io import open_image

    written = field_channel_names(image)
    names = [n for n in written if not n.endswith(TTA_STD_SUFFIX)]
    available = field_channel_names(real.field_path(address))
    absent = [n for n in names if n not in available]
    if absent:
        raise PlateError(
            f"{real.field_path(address)}: no channel {', '.join(map(repr, absent))} to score the "
            f"prediction against; the field has the channels {available}."
        )
    with open_image(image) as pred, open_image(real.field_path(address)) as targ:
        if pred.shape[-2:] != targ.shape[-2:]:
            raise PlateError(
                f"{image}: its size {pred.shape[-2:]} differs from the "
                f"target field's {targ.shape[-2:]}."
            )
        well = address.rsplit("/", 1)[0]
        for t in range(pred.shape[0]):
            for z in range(pred.shape[2]):
                p, spreads = without_tta_spread(pred.read(t=t, z=z)[0, :, 0], written)  # (C, Y, X)
                g = targ.read(t=t, z=min(z, targ.shape[2] - 1), channel=list(names))[0, :, 0]
                for c, (name, spread) in enumerate(zip(names, spreads, strict=True)):
                    meta: dict[str, object] = {"well": well, "field": address, "t": t, "z": z}
                    if spread is not None:
                        meta["tta_std"] = spread  # the mean TTA spread of this channel
                    evaluator.add(
                        p[None, c : c + 1],  # (1, 1, Y, X)
                        g[None, c : c + 1],
                        images=[address],
                        channels=[name],
                        meta=[meta],
                    )


def _append_to_report(
    report: Path, per_plate: pd.DataFrame, names: list[str], metric: str, figures: list[Path]
) -> None:
    lines = ["", "## Per plate", "", "| channel | " + " | ".join(names) + " |"]
    lines.append("|---" * (len(names) + 1) + "|")
    for _, row in per_plate.iterrows():
        lines.append(f"| {row['channel']} | " + " | ".join(f"{row[n]:.4f}" for n in names) + " |")
    lines += ["", f"## Plate map ({metric} per well)", ""]
    lines += [f"![{f.stem}](figures/{f.name})" for f in figures]
    lines += ["", "Per-well means: `per_well.csv`; per-plate means: `per_plate.csv`.", ""]
    with report.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
