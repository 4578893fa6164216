"""The object-evaluation benchmark runs (smoke mode) and reports every stage."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_objects.py"


def test_the_object_benchmark_runs(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_objects", BENCHMARK)
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_objects", benchmark)
    spec.loader.exec_module(benchmark)
    figures = benchmark.main(["--smoke"])
    assert figures["seconds_per_field"] > 0
    assert {"segment (both)", "texture (both)", "shape (both)"} <= set(figures)
    assert "projected for 100 fields" in capsys.readouterr().out
