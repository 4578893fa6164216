"""Time of the object-level evaluation of a 1024 x 1024 field with about 200 nuclei.

Run: python benchmarks/bench_objects.py [--fields 3] [--size 1024] [--nuclei 200] [--smoke]

Each field is synthetic and known: ``--nuclei`` textured discs (radius 8-13 pixels, some
touching) over a dim noisy background; its "prediction" is the stain blurred and noised. Per
stage (scaling, segmentation of both stains, IoU matching, cp-measure intensity, texture and
granularity in both stains, shape of both segmentations) the median time over the fields is
printed, then the whole evaluation of all fields through ``evaluate_fields`` and its projection
to 100 fields, side by side: "before" as the evaluation ran until then (in this process,
``workers=1``, and with scipy's distance transform in the nucleus split) and "after" (one
process per core, ``workers=0``, and the compiled distance transform); the two reports must
hold the same numbers. Then the same with the two references (real + noise,
blurred): "before" as three separate evaluations, each segmenting and measuring the real stain
again; "after" one pooled pass (``evaluate_with_references``) measuring it once. The first
field also pays cp-measure's numba compilation when numba is installed (printed apart).
``--smoke`` runs one small field (used by the tests). The load average (``os.getloadavg``, as
``uptime`` prints it) is printed beside the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from scipy import ndimage

from i2i_plugins.object_metrics.evaluation import FieldImages, evaluate_fields, scaled
from i2i_plugins.object_metrics.features import measure, measure_shape
from i2i_plugins.object_metrics.matching import match_objects
from i2i_plugins.object_metrics.parallel import available_cores
from i2i_plugins.object_metrics.params import ObjectParams
from i2i_plugins.object_metrics.references import (
    LOWER,
    MODEL,
    UPPER,
    blurred,
    evaluate_with_references,
    second_acquisition,
)
from i2i_plugins.object_metrics.report import ObjectReport
from i2i_plugins.object_metrics.segmentation import segment


def synthetic_field(size: int, nuclei: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(real, predicted) float32 stains with ``nuclei`` textured discs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    image = 100 + 20 * rng.random((size, size))
    texture = ndimage.gaussian_filter(rng.random((size, size)), 2)
    texture = (texture - texture.min()) / np.ptp(texture)
    for _ in range(nuclei):
        y, x = rng.integers(15, size - 15, 2)
        radius = rng.uniform(8, 13)
        disc = (yy - y) ** 2 + (xx - x) ** 2 <= radius**2
        image[disc] = (800 + 600 * rng.random()) * (0.7 + 0.6 * texture[disc])
    real = image.astype(np.float32)
    predicted = ndimage.gaussian_filter(real, 1.5) + rng.normal(0, 30, real.shape)
    return real, predicted.astype(np.float32)


def _timed(stage: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = stage()
    return result, time.perf_counter() - start


def stage_times(real: np.ndarray, predicted: np.ndarray, params: ObjectParams) -> dict[str, float]:
    """Seconds per stage for one field."""
    times: dict[str, float] = {}
    (r, p), times["scale"] = _timed(lambda: (scaled(real, (2, 99.8)), scaled(predicted, (2, 99.8))))
    (real_labels, pred_labels), times["segment (both)"] = _timed(
        lambda: (segment(r, params.segmentation), segment(p, params.segmentation))
    )
    _, times["match"] = _timed(lambda: match_objects(real_labels, pred_labels))
    for group in params.features:
        _, times[f"{group} (both)"] = _timed(
            lambda g=group: (measure(real_labels, r, [g]), measure(real_labels, p, [g]))
        )
    _, times["shape (both)"] = _timed(
        lambda: (measure_shape(real_labels), measure_shape(pred_labels))
    )
    times["objects"] = float(real_labels.max())
    return times


def same_numbers(a: ObjectReport, b: ObjectReport) -> bool:
    """Whether two reports hold the same per-field, per-feature and profile numbers."""
    if not a.per_field().equals(b.per_field()):
        return False
    for organelle, agreement in a.organelles.items():
        other = b.organelles[organelle]
        if not agreement.features.equals(other.features):
            return False
        if (agreement.profiles is None) != (other.profiles is None):
            return False
        profiles, others = agreement.profiles, other.profiles
        if profiles and others and not profiles.cosine.equals(others.cosine):
            return False
    return True


def _separate_references(items: list[FieldImages], params: ObjectParams) -> dict[str, ObjectReport]:
    """The three evaluations of the references as three passes (the earlier way)."""
    rng = np.random.default_rng(0)
    upper = [
        FieldImages(i.field, i.real, second_acquisition(i.real, rng), i.organelle) for i in items
    ]
    lower = [FieldImages(i.field, i.real, blurred(i.predicted, 4.0), i.organelle) for i in items]
    return {
        MODEL: evaluate_fields(items, params),
        UPPER: evaluate_fields(upper, params),
        LOWER: evaluate_fields(lower, params),
    }


@contextmanager
def earlier_code() -> Iterator[None]:
    """The evaluation as it was before: scipy's distance transform in the nucleus split."""
    from i2i_plugins.object_metrics import segmentation

    compiled = segmentation.distance_to_background
    segmentation.distance_to_background = ndimage.distance_transform_edt
    try:
        yield
    finally:
        segmentation.distance_to_background = compiled


def _side_by_side(label: str, before: float, after: float, fields: int) -> None:
    print(
        f"{label:<32} before {before / fields:5.2f} s/field ({100 * before / fields:4.0f} s per "
        f"100)   after {after / fields:5.2f} s/field ({100 * after / fields:4.0f} s per 100)   "
        f"x{before / after:.2f}"
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fields", type=int, default=4)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--nuclei", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="one 256 x 256 field, 12 nuclei")
    args = parser.parse_args(argv)
    if args.smoke:
        args.fields, args.size, args.nuclei = 1, 256, 12
    params = ObjectParams()
    fields = [synthetic_field(args.size, args.nuclei, seed) for seed in range(args.fields)]
    numba = importlib.util.find_spec("numba") is not None
    _, warm_up = _timed(lambda: stage_times(*synthetic_field(64, 2, 99), params))
    print(f"cp-measure accelerator: {'numba' if numba else 'numpy'}; warm-up {warm_up:.1f} s")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{available_cores()} CPU cores, load average {load:.2f} (1 min) at the start")
    per_field = [stage_times(real, predicted, params) for real, predicted in fields]
    medians = {k: statistics.median(t[k] for t in per_field) for k in per_field[0]}
    print(f"{args.fields} field(s) of {args.size}^2, {medians.pop('objects'):.0f} objects (median)")
    for stage, seconds in medians.items():
        print(f"  {stage:<22} {seconds * 1000:8.0f} ms")
    items = [FieldImages(f"f{i}", real, predicted) for i, (real, predicted) in enumerate(fields)]
    serial, pooled = ObjectParams(workers=1), ObjectParams(workers=0)
    with earlier_code():
        before_report, before = _timed(lambda: evaluate_fields(items, serial))
    after_report, after = _timed(lambda: evaluate_fields(items, pooled))
    _side_by_side("evaluate_fields", before, after, args.fields)
    same = same_numbers(before_report, after_report)  # type: ignore[arg-type]
    with earlier_code():
        before_refs, refs_before = _timed(lambda: _separate_references(items, serial))
    after_refs, refs_after = _timed(lambda: evaluate_with_references(lambda: items, pooled))
    _side_by_side("with both references", refs_before, refs_after, args.fields)
    same = same and all(
        same_numbers(before_refs[n], after_refs[n])  # type: ignore[index]
        for n in (MODEL, UPPER, LOWER)
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"same numbers before and after: {same}; load average {load:.2f} (1 min) at the end")
    per = after / args.fields
    print(f"evaluate_fields: {per:.2f} s per field, {100 * per:.0f} s projected for 100 fields")
    return {
        "seconds_per_field": per,
        "seconds_per_field_before": before / args.fields,
        "same_numbers": float(same),
        **medians,
    }


if __name__ == "__main__":
    main()
