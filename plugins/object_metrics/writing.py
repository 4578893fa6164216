"""Writes an object-level evaluation: CSV tables, ``objects.json``, ``objects.md`` and figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from i2i.atomic import write_text_atomic
from i2i_plugins.object_metrics.figures import overlay_figure, scatter_figure
from i2i_plugins.object_metrics.report import ObjectReport, json_ready


def write_object_report(
    report: ObjectReport, folder: str | Path, references: dict[str, ObjectReport] | None = None
) -> list[Path]:
    """Tables, JSON, a readable ``objects.md`` and figures under ``folder``; the paths written.

    ``references``: reports of reference stains by name (:mod:`.references`), compared in
    ``objects_references.csv`` and in the JSON under ``references``.
    """
    folder = Path(folder)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    written = [
        _csv(report.per_field(), folder / "objects_per_field.csv"),
        _csv(report.detection_summary(), folder / "objects_detection.csv"),
        _csv(_by_organelle(report, "features"), folder / "objects_features.csv"),
        _csv(_by_organelle(report, "groups"), folder / "objects_feature_groups.csv"),
        _csv(_by_organelle(report, "worst"), folder / "objects_worst_features.csv"),
    ]
    profiles = _profiles(report, "profiles")
    if len(profiles):
        written.append(_csv(profiles, folder / "objects_profiles.csv"))
    per_well = _profiles(report, "well_profiles")
    if len(per_well):
        written.append(_csv(per_well, folder / "objects_profiles_per_well.csv"))
    numbers = report.to_dict()
    if references:
        table = references_table(references)
        written.append(_csv(table, folder / "objects_references.csv"))
        numbers["references"] = {name: r.to_dict() for name, r in references.items()}
    written.append(
        write_text_atomic(folder / "objects.json", json.dumps(json_ready(numbers), indent=2))
    )
    figures = _figures(report, folder / "figures")
    written += figures
    written.append(
        write_text_atomic(folder / "objects.md", markdown(report, references, figures, folder))
    )
    return written


def references_table(reports: dict[str, ObjectReport]) -> pd.DataFrame:
    """One row per stain compared (model, references) and organelle: the headline numbers."""
    rows = []
    for name, report in reports.items():
        for organelle in sorted(set(report.per_field()["organelle"])):
            rows.append({"stain": name, "organelle": organelle, **report.headline(organelle)})
    return pd.DataFrame(rows)


def markdown(
    report: ObjectReport,
    references: dict[str, ObjectReport] | None,
    figures: list[Path],
    folder: Path,
) -> str:
    """The "Objects and measurements" report section."""
    lines = ["## Objects and measurements", ""]
    lines += ["Detection (means over fields with objects in the real stain):", ""]
    lines += [_table(report.detection_summary()), ""]
    skipped = report.per_field().query("status != 'ok'")
    if len(skipped):
        lines += [
            f"Fields without objects in the real stain (not scored): {', '.join(skipped['field'])}",
            "",
        ]
    if references:
        lines += [
            "Against references computed in the same run:",
            "",
            _table(references_table(references)),
            "",
        ]
    for organelle, agreement in report.organelles.items():
        kind = _objects_of(report, organelle)
        lines += [
            f"### {organelle} ({kind})",
            "",
            "Measurement agreement per feature group (medians):",
            "",
        ]
        lines += [_table(agreement.groups), "", "Worst-agreeing features:", ""]
        lines += [_table(agreement.worst[["feature", "spearman", "relative_error"]]), ""]
        if agreement.profiles is not None:
            cosine = agreement.profiles.cosine["cosine"]
            lines += [
                f"Profile cosine similarity per field: median {cosine.median():.3f} over "
                f"{len(cosine)} fields ({agreement.profiles.n_features} features)."
            ]
            if agreement.profiles.mean_average_precision is not None:
                lines.append(
                    f"Condition retrieval mAP: {agreement.profiles.mean_average_precision:.3f}."
                )
            lines.append("")
        wells = agreement.well_profiles
        if wells is not None:
            lines.append(
                f"Per well (median of its fields' profiles): cosine median "
                f"{wells.cosine['cosine'].median():.3f} over {len(wells.cosine)} wells"
                + (
                    f", condition retrieval mAP over wells {wells.mean_average_precision:.3f}."
                    if wells.mean_average_precision is not None
                    else "."
                )
            )
            lines.append("")
        for figure in figures:
            if figure.stem.endswith(_slug(organelle)):
                lines += [f"![{figure.stem}]({figure.relative_to(folder).as_posix()})", ""]
    return "\n".join(lines)


def _objects_of(report: ObjectReport, organelle: str) -> str:
    kinds = {f.objects for f in report.fields if f.organelle == organelle}
    return "cells grown from nuclei" if kinds == {"cells"} else ", ".join(sorted(kinds))


def _figures(report: ObjectReport, folder: Path) -> list[Path]:
    written = []
    for organelle, agreement in report.organelles.items():
        scatter = scatter_figure(agreement, folder / f"objects_scatter_{_slug(organelle)}.png")
        if scatter is not None:
            written.append(scatter)
    for organelle, overlay in report.overlays.items():
        written.append(overlay_figure(overlay, folder / f"objects_overlay_{_slug(organelle)}.png"))
    return written


def _by_organelle(report: ObjectReport, table: str) -> pd.DataFrame:
    parts = [getattr(a, table).assign(organelle=o) for o, a in report.organelles.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["organelle"])


def _profiles(report: ObjectReport, which: str) -> pd.DataFrame:
    """The cosine table of ``which`` (``profiles`` per field, ``well_profiles``) of every
    organelle that has one."""
    parts = [
        getattr(a, which).cosine.assign(organelle=o)
        for o, a in report.organelles.items()
        if getattr(a, which) is not None
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _csv(table: pd.DataFrame, path: Path) -> Path:
    return write_text_atomic(path, table.to_csv(index=False))


def _table(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in table.columns) + " |"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "stain"
