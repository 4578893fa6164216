"""i2i.prediction.batch: resume skips only outputs that are verifiably complete."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from predict_support import identity_net

from i2i.contract import InputContract
from i2i.io import write_image
from i2i.prediction import Predictor
from i2i.prediction.batch import Job, incomplete_reason, run_jobs
from i2i.tiling import Tiling


def predictor(key: str, device) -> Predictor:
    return Predictor(
        identity_net(),
        InputContract(output_channels=["x"]),
        device=device,
        tiling=Tiling(tile_size=16),
    )


def test_incomplete_reason(tmp_path: Path) -> None:
    complete = write_image(tmp_path / "a.ome.tif", np.ones((1, 1, 1, 40, 40), np.uint16))
    assert incomplete_reason(complete) is None
    (tmp_path / "empty.ome.tif").write_bytes(b"")
    assert incomplete_reason(tmp_path / "empty.ome.tif") == "an empty file (0 bytes)"
    (tmp_path / "empty.ome.zarr").mkdir()
    assert incomplete_reason(tmp_path / "empty.ome.zarr") == "an empty folder"
    cut = tmp_path / "cut.ome.tif"
    cut.write_bytes(complete.read_bytes()[:200])
    assert incomplete_reason(cut).startswith("unreadable: ")  # type: ignore[union-attr]


def test_run_jobs_redoes_incomplete_outputs_and_reports_them(tmp_path: Path) -> None:
    sources = [
        write_image(tmp_path / f"in{i}.ome.tif", np.full((1, 1, 1, 20, 20), i, np.uint16))
        for i in range(3)
    ]
    jobs = [Job(s, tmp_path / "out" / s.name) for s in sources]
    first = run_jobs(jobs, predictor, device="cpu")
    assert first.predicted == [j.output for j in jobs]
    jobs[1].output.write_bytes(b"")
    seen: list[tuple[Path, str]] = []
    again = run_jobs(
        jobs, predictor, device="cpu", on_incomplete=lambda job, why: seen.append((job.output, why))
    )
    assert again.skipped == [jobs[0].output, jobs[2].output]
    assert again.predicted == [jobs[1].output]
    assert seen == [(jobs[1].output, "an empty file (0 bytes)")]
    assert again.redone == {jobs[1].output: "an empty file (0 bytes)"}
    redo_all = run_jobs(jobs, predictor, device="cpu", overwrite=True)
    assert redo_all.predicted == [j.output for j in jobs] and not redo_all.skipped


def test_an_incomplete_output_that_is_not_an_image_is_not_replaced(tmp_path: Path) -> None:
    from i2i.outputs import OutputExistsError

    source = write_image(tmp_path / "in.ome.tif", np.ones((1, 1, 1, 20, 20), np.uint16))
    out = tmp_path / "out.ome.tif"
    out.write_text("someone's notes")
    with pytest.raises(OutputExistsError, match="out.ome.tif exists and is a file of 15 bytes"):
        run_jobs([Job(source, out)], predictor, device="cpu")
    assert out.read_text() == "someone's notes"
