"""The end-of-run summary printed by ``i2i run``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from i2i.training.trainer import TrainResult


def print_summary(result: TrainResult) -> None:
    if not result.main_process:
        return
    from rich.console import Console

    console = Console()
    minutes = result.seconds / 60
    state = "stopped early (resume with --resume latest)" if result.stopped_early else "finished"
    console.print(f"\n[bold]Run {state}[/] after {result.steps} steps in {minutes:.1f} min.")
    if result.best_step is not None:
        console.print(f"Best validation value {result.best_value:.4f} at step {result.best_step}.")
    run = result.run
    for label, path in (
        ("run folder", run.path),
        ("best weights", run.best_weights),
        ("last weights", run.last_weights),
        ("metrics", run.metrics),
        ("samples", run.samples),
        ("evaluation", result.report),
    ):
        if path is not None and path.exists():
            console.print(f"  {label:<13}{path}")
