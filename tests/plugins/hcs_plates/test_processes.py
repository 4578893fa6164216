"""A plate predicted by two processes (torchrun on CPU) equals one process; a run killed with
SIGKILL mid-plate and resumed equals an uninterrupted run, and no field is written twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from plate_support import write_reference_plate

from i2i.io import open_image
from i2i_plugins.hcs_plates.metadata import read_plate

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture
def big_plate(isl_planes, tmp_path: Path) -> Path:
    """Three wells x four fields of 256 x 256 real ISL crops (NGFF 0.5)."""
    fields = {}
    for index in range(12):
        well = ("B/02", "B/03", "D/07")[index // 4]
        y, x = 256 * (index // 4), 256 * (index % 4)
        window = (slice(y, y + 256), slice(x, x + 256))
        planes = np.stack([isl_planes["PHASE"][window], isl_planes["DAPI"][window]])
        fields[f"{well}/{index % 4}"] = (planes, ["PHASE", "DAPI"])
    return write_reference_plate(tmp_path / "big.ome.zarr", fields, zarr_format=3)


def command(plate: Path, weights: Path, out: Path, *extra: str) -> list[str]:
    return ["predict", str(plate), "-m", str(weights), "-o", str(out), *extra]


def run(args: list[str], processes: int = 1) -> subprocess.CompletedProcess:
    if processes == 1:
        launcher = [sys.executable, "-m", "i2i"]
    else:
        torchrun = str(Path(sys.executable).with_name("torchrun"))
        launcher = [torchrun, "--standalone", "--nproc_per_node", str(processes), "-m", "i2i"]
    completed = subprocess.run(
        [*launcher, *args], capture_output=True, text=True, env=ENV, timeout=400
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def arrays(plate: Path) -> dict[str, np.ndarray]:
    stored = read_plate(plate)
    result = {}
    for address in stored.field_addresses:
        with open_image(stored.field_path(address)) as image:
            result[address] = image.read()
    return result


def stamps(plate: Path) -> dict[str, int]:
    """Each written field's newest file time: unchanged when it is not written again."""
    found = {}
    for address in read_plate(plate).field_addresses:
        if (plate / address).is_dir():
            found[address] = newest(plate / address)
    return found


def test_two_processes_write_the_same_plate_as_one(big_plate, phase_weights, tmp_path):
    one, two = tmp_path / "one.ome.zarr", tmp_path / "two.ome.zarr"
    run(command(big_plate, phase_weights, one))
    completed = run(command(big_plate, phase_weights, two), processes=2)
    assert completed.stderr.count("(written)") == 12  # each field once, by one process
    assert "The HCS plate" in completed.stderr and "is complete" in completed.stderr
    first, second = arrays(one), arrays(two)
    assert list(first) == list(second) and len(first) == 12
    for address in first:
        np.testing.assert_array_equal(first[address], second[address])


def test_shards_of_a_job_array_together_write_the_whole_plate(big_plate, phase_weights, tmp_path):
    whole, sharded = tmp_path / "whole.ome.zarr", tmp_path / "sharded.ome.zarr"
    run(command(big_plate, phase_weights, whole))
    outputs = [
        run(command(big_plate, phase_weights, sharded, "--shard", f"{i}/5")) for i in range(5)
    ]
    assert sum(o.stderr.count("(written)") for o in outputs) == 12
    assert "is complete" in outputs[-1].stderr and "is complete" not in outputs[0].stderr
    expected, got = arrays(whole), arrays(sharded)
    for address in expected:
        np.testing.assert_array_equal(expected[address], got[address])


def test_a_killed_run_resumes_to_the_uninterrupted_result_writing_no_field_twice(
    big_plate, phase_weights, tmp_path
):
    reference, out = tmp_path / "reference.ome.zarr", tmp_path / "resumed.ome.zarr"
    run(command(big_plate, phase_weights, reference, "--tile-size", "32"))
    process = subprocess.Popen(
        [sys.executable, "-m", "i2i", *command(big_plate, phase_weights, out, "--tile-size", "32")],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not (out / "B" / "02" / "1").is_dir() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = stamps(out)
    assert 2 <= len(before) < 12, f"the kill came too late or too early: {sorted(before)}"
    resumed = run(command(big_plate, phase_weights, out, "--tile-size", "32"))
    assert resumed.stderr.count("(written)") == 12 - len(before)
    after = stamps(out)
    assert {a: after[a] for a in before} == before  # finished fields were not written again
    expected, got = arrays(reference), arrays(out)
    assert list(got) == list(expected)
    for address in expected:
        np.testing.assert_array_equal(expected[address], got[address])
    leftovers = [p.name for p in out.rglob(".*") if ".tmp-" in p.name]
    assert not leftovers, leftovers


def test_two_processes_write_into_the_plate_what_one_writes_beside_it(
    big_plate, phase_weights, tmp_path
):
    reference = tmp_path / "reference.ome.zarr"
    run(command(big_plate, phase_weights, reference))
    before = {p: p.stat().st_mtime_ns for p in big_plate.rglob("*") if p.is_file()}
    args = ["predict", str(big_plate), "-m", str(phase_weights), "--into"]
    completed = run(args, processes=2)
    assert completed.stderr.count("(written)") == 12 and "is complete" in completed.stderr
    assert {p: p.stat().st_mtime_ns for p in before} == before
    for address, expected in arrays(reference).items():
        with open_image(big_plate / address / "predictions" / "DAPI") as image:
            np.testing.assert_array_equal(expected, image.read())


def test_a_killed_run_into_the_plate_resumes_writing_no_field_twice(
    big_plate, phase_weights, tmp_path
):
    reference = tmp_path / "reference.ome.zarr"
    run(command(big_plate, phase_weights, reference, "--tile-size", "32"))
    args = ["predict", str(big_plate), "-m", str(phase_weights), "--into", "--tile-size", "32"]
    process = subprocess.Popen(
        [sys.executable, "-m", "i2i", *args],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not (big_plate / "B/02/1/predictions/DAPI").is_dir() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    predictions = {a: big_plate / a / "predictions" / "DAPI" for a in arrays(reference)}
    before = {a: newest(p) for a, p in predictions.items() if p.is_dir()}
    assert 2 <= len(before) < 12, f"the kill came too late or too early: {sorted(before)}"
    resumed = run(args)
    assert resumed.stderr.count("(written)") == 12 - len(before)
    assert {a: newest(predictions[a]) for a in before} == before
    for address, expected in arrays(reference).items():
        with open_image(predictions[address]) as image:
            np.testing.assert_array_equal(expected, image.read())
    leftovers = [p.name for p in big_plate.rglob(".*") if ".tmp-" in p.name]
    assert not leftovers, leftovers


def newest(folder: Path) -> int:
    return max(p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file())
