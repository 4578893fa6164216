"""The end of a run: the summary ``i2i run`` prints, and ``summary.json`` in the run folder.

``summary.json`` records how the run's last session ended (steps, why it stopped, the best
validation value and its step) and every resume with the overrides it was given, since the
run's ``recipe.yaml`` is never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from i2i.atomic import write_text_atomic

if TYPE_CHECKING:
    from i2i.recipe.schema import RecipeBase
    from i2i.training.trainer import TrainResult


def print_summary(result: TrainResult) -> None:
    if not result.main_process:
        return
    from rich.console import Console

    console = Console()
    minutes = result.seconds / 60
    state = "stopped early (resume with --resume latest)" if result.stopped_early else "finished"
    console.print(f"\n[bold]Run {state}[/] after {result.steps} steps in {minutes:.1f} min.")
    if result.stop_reason:
        console.print(f"Why it ended: {result.stop_reason}.")
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


def write_summary(
    result: TrainResult, recipe: RecipeBase, resumed_with: Sequence[str] | None
) -> None:
    """Write ``summary.json``; ``resumed_with``: this session's overrides when it resumed."""
    path = result.run.path / "summary.json"
    resumes: list[object] = []
    if path.exists():
        try:
            resumes = list(json.loads(path.read_text()).get("resumes", []))
        except (OSError, ValueError, AttributeError):
            resumes = []
    if resumed_with is not None:
        resumes.append({"overrides": list(resumed_with)})
    summary = {
        "recipe": recipe.name,
        "steps": result.steps,
        "max_steps": recipe.train.max_steps,
        "stop_reason": result.stop_reason,
        "interrupted": result.stopped_early,
        "best_metric": recipe.train.best_metric,
        "best_value": result.best_value,
        "best_step": result.best_step,
        "seconds": round(result.seconds, 1),
        "resumes": resumes,
    }
    write_text_atomic(path, json.dumps(summary, indent=2) + "\n")
