"""The plates benchmark runs (smoke mode) and reports every run and the overhead."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_plates.py"


def test_the_plates_benchmark_runs(shared_data, capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_plates", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_plates", benchmark)
    monkeypatch.setenv("I2I_SHARED_DATA", str(shared_data))
    spec.loader.exec_module(benchmark)
    figures = benchmark.main(["--smoke"])
    for run in ("plate, 1 process", "plate, 2 processes", "files, 1 process"):
        assert figures[f"{run} seconds"] > 0 and figures[f"{run} peak_mib"] > 0
        assert figures[f"{run} cpu_seconds"] > 0
    printed = capsys.readouterr().out
    assert (
        "load before:" in printed
        and "plate machinery vs the same fields as files (CPU time)" in printed
    )
