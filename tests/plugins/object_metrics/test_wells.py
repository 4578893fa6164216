"""Per-well profiles: fields grouped into wells by a regular expression over their ids (plate
fields ``B/03/0``) or by a conditions table's ``well`` column."""

from __future__ import annotations

import numpy as np
import pytest
from object_support import discs, stain
from pydantic import ValidationError

from i2i.evaluation_extensions import ImagePair
from i2i_plugins.object_metrics.errors import ObjectEvaluationError
from i2i_plugins.object_metrics.evaluation import FieldImages, evaluate_fields, well_of
from i2i_plugins.object_metrics.folders import fields_of, read_conditions
from i2i_plugins.object_metrics.params import ObjectParams

WELLS = {"B/03": "large", "B/04": "small", "C/03": "large", "C/04": "small"}
PLATE_WELL = r"^([A-P]/\d+)/"


def _field(seed: int, condition: str) -> tuple[np.ndarray, np.ndarray]:
    """(real, predicted) of four nuclei, large or small by condition; the prediction is the
    real stain scaled (the same once both are scaled to 0-1)."""
    rng = np.random.default_rng(seed)
    radius = 11 if condition == "large" else 6
    centres = [(24 + 48 * (i // 2) + int(rng.integers(-3, 4)), 24 + 48 * (i % 2)) for i in range(4)]
    real = stain(discs((96, 96), centres, radius), seed=seed)
    return real, 3.0 * real


def _plate_fields() -> list[FieldImages]:
    fields = []
    for number, (well, condition) in enumerate(WELLS.items()):
        for index in range(2):
            real, predicted = _field(10 * number + index, condition)
            fields.append(
                FieldImages(f"{well}/{index}", real, predicted, "DAPI", condition=condition)
            )
    return fields


def test_plate_fields_give_one_profile_per_well_and_the_map_over_wells():
    params = ObjectParams(group_by=PLATE_WELL, workers=1)
    report = evaluate_fields(_plate_fields(), params)
    wells = report.organelles["DAPI"].well_profiles
    assert wells is not None
    assert list(wells.cosine["well"]) == sorted(WELLS)
    np.testing.assert_allclose(wells.cosine["cosine"], 1.0, atol=1e-6)
    assert wells.mean_average_precision == pytest.approx(1.0)  # large and small wells apart
    assert len(report.organelles["DAPI"].profiles.cosine) == 8  # per field as before
    numbers = report.to_dict()["organelles"]["DAPI"]
    assert len(numbers["well_profiles"]["cosine"]) == 4
    assert "well_profile_cosine" in numbers["headline"]


def test_a_well_profile_is_the_median_of_its_field_profiles():
    from i2i_plugins.object_metrics.profiles import field_profiles, well_profiles

    report = evaluate_fields(_plate_fields(), ObjectParams(group_by=PLATE_WELL, workers=1))
    real, predicted = field_profiles(report.organelles["DAPI"].measurements)
    wells = {field: well_of(field, PLATE_WELL) for field in real.index}
    real_wells, _ = well_profiles(real, predicted, wells)
    column = "intensity/Intensity_MeanIntensity"
    expected = real.loc[["B/03/0", "B/03/1"], column].median()
    assert real_wells.loc["B/03", column] == pytest.approx(expected)


def test_wells_from_a_conditions_table_column(tmp_path):
    table = tmp_path / "conditions.csv"
    rows = ["image,well,condition"]
    images = []
    for number, (well, condition) in enumerate(WELLS.items()):
        real, predicted = _field(number, condition)
        name = f"field{number}.ome.tif"
        rows.append(f"{name},{well},{condition}")
        images.append(ImagePair(name, ("DAPI",), real[None], predicted[None]))
    table.write_text("\n".join(rows) + "\n")
    fields = list(fields_of(images, conditions=read_conditions(table)))
    assert [f.well for f in fields] == list(WELLS)
    report = evaluate_fields(fields, ObjectParams(workers=1))
    wells = report.organelles["DAPI"].well_profiles
    assert wells is not None and list(wells.cosine["well"]) == sorted(WELLS)


def test_a_field_outside_the_pattern_names_the_field_and_the_pattern():
    fields = _plate_fields()
    fields[3].field = "loose_field"
    with pytest.raises(ObjectEvaluationError, match="'loose_field' does not match group_by"):
        evaluate_fields(fields, ObjectParams(group_by=PLATE_WELL, workers=1))


def test_a_well_of_two_conditions_is_an_error_naming_the_well():
    fields = _plate_fields()
    fields[1].condition = "small"  # B/03/1, whose well B/03 is "large"
    with pytest.raises(ObjectEvaluationError, match="Well 'B/03' has fields of the conditions"):
        evaluate_fields(fields, ObjectParams(group_by=PLATE_WELL, workers=1))


def test_a_bad_pattern_is_refused_when_the_parameters_are_read():
    with pytest.raises(ValidationError, match="not a regular expression"):
        ObjectParams(group_by="([A-P]")


def test_a_whole_match_is_the_well_without_a_group():
    assert well_of("B/03/0", r"[A-P]/\d+") == "B/03"
    assert well_of("plate1_B03_f2", r"_([A-P]\d\d)_") == "B03"
