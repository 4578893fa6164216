"""Start-up time of the light commands, and the slowest imports behind them.

Run: python benchmarks/bench_startup.py [--repeat 7]

Each command runs in a fresh interpreter; the median wall time is reported. The second part
runs `python -X importtime` on `i2i components` and lists the ten slowest imports (cumulative),
which is where a regression shows first (for example a plugin importing torch at module level).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = [["--help"], ["--version"], ["plugins"], ["components"]]


def time_command(args: list[str], repeat: int) -> float:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "i2i", *args], check=True, capture_output=True)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def slowest_imports(args: list[str], count: int = 10) -> list[tuple[int, str]]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "i2i", *args], capture_output=True, text=True
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    time_command(["--version"], 1)  # warm the file cache
    print(f"{'command':<24}{'median (s)':>12}")
    for command in COMMANDS:
        print(f"{'i2i ' + ' '.join(command):<24}{time_command(command, options.repeat):>12.3f}")
    print("\nslowest imports of `i2i components` (cumulative µs):")
    for microseconds, name in slowest_imports(["components"]):
        print(f"{microseconds:>10}  {name}")


if __name__ == "__main__":
    main()
