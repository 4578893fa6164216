"""The object-level evaluation's record: per-field detection, per-feature agreement, profiles.

The record writes nothing itself; :mod:`.writing` turns it into tables, JSON and figures.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from i2i_plugins.object_metrics.agreement import (
    PairedMeasurements,
    feature_agreement,
    group_summary,
    worst_features,
)
from i2i_plugins.object_metrics.detection import DetectionScores
from i2i_plugins.object_metrics.matching import Matching
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.profiles import (
    ProfileAgreement,
    profile_agreement,
    well_profile_agreement,
)
from i2i_plugins.object_metrics.segmentation import Labels

DETECTION_COLUMNS = ("precision", "recall", "f1", "mean_matched_iou", "count_error")
NO_REAL_OBJECTS = "no objects in the real stain"


@dataclass(frozen=True)
class FieldResult:
    """Detection agreement of one field; ``detection`` is None when the real stain has no
    objects (``status`` says so), so the field is not averaged in."""

    field: str
    organelle: str
    n_real: int
    n_predicted: int
    detection: DetectionScores | None
    status: str
    objects: str = "objects"
    """``cells`` (grown from the nuclei of a nuclear channel) or ``objects`` (of the stain)."""

    @classmethod
    def of(
        cls,
        field: str,
        organelle: str,
        matching: Matching,
        detection: DetectionScores | None,
        objects: str = "objects",
    ) -> FieldResult:
        status = "ok" if detection is not None else NO_REAL_OBJECTS
        return cls(
            field, organelle, matching.n_real, matching.n_predicted, detection, status, objects
        )

    def row(self) -> dict[str, object]:
        scores = self.detection.as_dict() if self.detection is not None else {}
        return {
            "field": self.field,
            "organelle": self.organelle,
            "objects": self.objects,
            "status": self.status,
            "n_real": self.n_real,
            "n_predicted": self.n_predicted,
            **{k: scores.get(k, math.nan) for k in ("true_positives", *DETECTION_COLUMNS)},
        }


@dataclass(frozen=True)
class Overlay:
    """One field's stains (0-1) and both segmentations, for the overlay figure."""

    field: str
    real: npt.NDArray[np.float32]
    predicted: npt.NDArray[np.float32]
    real_labels: Labels
    predicted_labels: Labels


@dataclass
class OrganelleAgreement:
    """Everything summarised for one organelle."""

    features: pd.DataFrame
    """One row per feature: ``feature, group, spearman, relative_error, n_objects, n_fields``."""
    groups: pd.DataFrame
    worst: pd.DataFrame
    profiles: ProfileAgreement | None
    well_profiles: ProfileAgreement | None
    """Per well (fields with a well): the median of the wells' field profiles compared."""
    measurements: list[PairedMeasurements] = field(repr=False)
    """The real objects measured in both stains, per field."""
    shapes: list[PairedMeasurements] = field(repr=False)
    """The shapes of matched real and predicted objects, per field."""


@dataclass
class ObjectReport:
    """The object-level evaluation of a set of fields (see :func:`.evaluate_fields`)."""

    fields: list[FieldResult]
    organelles: dict[str, OrganelleAgreement]
    overlays: dict[str, Overlay]
    params: ObjectParams

    @classmethod
    def of(
        cls,
        fields: list[FieldResult],
        measured: dict[str, list[PairedMeasurements]],
        shapes: dict[str, list[PairedMeasurements]],
        conditions: dict[str, dict[str, str]],
        wells: dict[str, dict[str, str]],
        overlays: dict[str, Overlay],
        params: ObjectParams,
    ) -> ObjectReport:
        """``conditions`` and ``wells``: per organelle, each field's condition and well."""
        organelles = {}
        for organelle, measurements in measured.items():
            features = pd.concat(
                [feature_agreement(measurements), feature_agreement(shapes[organelle])],
                ignore_index=True,
            )
            organelles[organelle] = OrganelleAgreement(
                features=features,
                groups=group_summary(features),
                worst=worst_features(features, params.worst),
                profiles=profile_agreement(measurements, conditions.get(organelle)),
                well_profiles=well_profile_agreement(
                    measurements, wells.get(organelle, {}), conditions.get(organelle)
                ),
                measurements=measurements,
                shapes=shapes[organelle],
            )
        return cls(fields, organelles, overlays, params)

    def per_field(self) -> pd.DataFrame:
        """One row per field: status, object counts and detection scores (NaN without objects)."""
        return pd.DataFrame([f.row() for f in self.fields])

    def detection_summary(self) -> pd.DataFrame:
        """Per organelle: mean detection scores over the fields with real objects, the number
        of such fields and of fields without real objects."""
        table = self.per_field()
        rows = []
        for organelle, group in table.groupby("organelle", sort=True):
            scored = group[group["status"] == "ok"]
            rows.append(
                {
                    "organelle": organelle,
                    "objects": ", ".join(sorted(set(group["objects"]))),
                    **{c: scored[c].mean() if len(scored) else math.nan for c in DETECTION_COLUMNS},
                    "n_fields": len(scored),
                    "n_fields_without_real_objects": int((group["status"] != "ok").sum()),
                    "n_real": int(scored["n_real"].sum()),
                    "n_predicted": int(scored["n_predicted"].sum()),
                }
            )
        return pd.DataFrame(rows)

    def headline(self, organelle: str) -> dict[str, float]:
        """The few numbers that rank models: F1, mean matched IoU, median Spearman of the
        intensity/texture/granularity features and of shape, median profile cosine."""
        detection = self.detection_summary().set_index("organelle")
        agreement = self.organelles.get(organelle)
        numbers = {
            "f1": float(detection.loc[organelle, "f1"])
            if organelle in detection.index
            else math.nan,
            "mean_matched_iou": float(detection.loc[organelle, "mean_matched_iou"])
            if organelle in detection.index
            else math.nan,
        }
        if agreement is None:
            return numbers | {"stain_spearman": math.nan, "shape_spearman": math.nan}
        features = agreement.features
        stain = features[features["group"] != "shape"]["spearman"]
        shape = features[features["group"] == "shape"]["spearman"]
        numbers["stain_spearman"] = float(stain.median()) if stain.notna().any() else math.nan
        numbers["shape_spearman"] = float(shape.median()) if shape.notna().any() else math.nan
        profiles = agreement.profiles
        if profiles is not None:
            numbers["profile_cosine"] = float(profiles.cosine["cosine"].median())
        if agreement.well_profiles is not None:
            numbers["well_profile_cosine"] = float(
                agreement.well_profiles.cosine["cosine"].median()
            )
        return numbers

    def to_dict(self) -> dict[str, object]:
        """Every number, JSON-ready (NaN as null)."""
        organelles = {}
        for name, agreement in self.organelles.items():
            profiles = agreement.profiles
            organelles[name] = {
                "headline": self.headline(name),
                "feature_groups": _records(agreement.groups),
                "worst_features": _records(agreement.worst),
                "features": _records(agreement.features),
                "profiles": _profile_numbers(profiles),
                "well_profiles": _profile_numbers(agreement.well_profiles),
            }
        return {
            "params": self.params.model_dump(mode="json"),
            "detection": _records(self.detection_summary()),
            "fields": _records(self.per_field()),
            "organelles": organelles,
        }

    def to_json(self) -> str:
        return json.dumps(json_ready(self.to_dict()), indent=2)


def _profile_numbers(profiles: ProfileAgreement | None) -> dict[str, object] | None:
    if profiles is None:
        return None
    return {
        "cosine": _records(profiles.cosine),
        "n_features": profiles.n_features,
        "mean_average_precision": profiles.mean_average_precision,
    }


def _records(table: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def json_ready(value: object) -> object:
    """NaN and infinities become None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    return value
