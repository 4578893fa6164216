"""The commands' side of the ``i2i_open_container`` hook: finding a container, refusing the
options that only apply to files, and running a container's prediction with the usual reports.

Plugins' own commands for their containers (``i2i plate predict``) call
:func:`predict_container` too, so both spellings report the same way.
"""

from __future__ import annotations

from pathlib import Path

import typer

from i2i.cli.app import warnings_as_messages
from i2i.containers import ContainerPrediction, ImageContainer
from i2i.errors import I2IError


class ContainerUsageError(I2IError):
    """An option given with a container does not apply to it."""


def open_container(path: str | Path) -> ImageContainer | None:
    """The container a plugin opens at ``path``; ``None`` for a missing path or a plain image."""
    candidate = Path(path)
    if not candidate.exists():
        return None
    from i2i.plugins import default_host

    found = default_host().manager.hook.i2i_open_container(path=candidate)
    if found is not None and not isinstance(found, ImageContainer):
        raise I2IError(
            f"{candidate}: a plugin's i2i_open_container returned {type(found).__name__}, not an "
            "i2i.containers.ImageContainer (path, kind, describe, summary, predict, evaluate). "
            "Fix the plugin, or disable it (see 'i2i plugins')."
        )
    return found


def refuse_options(container: ImageContainer, given: dict[str, bool], applies_to: str) -> None:
    """Raise naming the options in ``given`` that were given (``{"--format": True}``)."""
    named = [option for option, present in given.items() if present]
    if named:
        one = len(named) == 1
        raise ContainerUsageError(
            f"{container.path} is a container of images ({container.kind}): {', '.join(named)} "
            f"{'applies' if one else 'apply'} only to {applies_to}, not to it. Leave "
            f"{'it' if one else 'them'} out."
        )


def predict_container(container: ImageContainer, request: ContainerPrediction) -> None:
    """Run the container's prediction in this process, reporting each image on stderr."""

    def report(output: Path, skipped: bool) -> None:
        state = "exists and is complete, skipped" if skipped else "written"
        typer.echo(f"{output} ({state})", err=True)

    def report_incomplete(output: Path, reason: str) -> None:
        typer.echo(f"{output} is incomplete ({reason}); predicting it again.", err=True)

    with warnings_as_messages():
        done = container.predict(request, report, report_incomplete)
    typer.echo(
        f"{done.predicted} {done.unit}(s) predicted, {done.skipped} skipped (already written) "
        f"by this process, of the {done.total} {done.unit}(s) of shard {request.shard}."
        + (f" The {container.kind} {done.output} is complete." if done.complete else ""),
        err=True,
    )
