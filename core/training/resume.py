"""The recipe of a resumed run: the run's own ``recipe.yaml``, changed only where it is safe.

A resumed run continues the run that its folder records, so it is rebuilt from that folder's
``recipe.yaml`` (which already holds every override of the first start), never from the bundled
recipe and today's command line. Overrides given on resume may change only what does not change
what the checkpoint's model, optimizer and data are (:data:`SAFE_ON_RESUME`): how long to
train, how often to validate, log and checkpoint, where the same data now lives. Any other
difference from the saved recipe is refused, naming the keys; the saved ``recipe.yaml`` is never
rewritten (each resume and its overrides are recorded in the run's ``summary.json``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from i2i.errors import I2IError
from i2i.training.run_folder import RunFolder

if TYPE_CHECKING:
    from i2i.recipe.schema import RecipeBase

SAFE_ON_RESUME = (
    "train.max_steps",
    "train.log_every",
    "train.validate_every",
    "train.validate_every_epochs",
    "train.checkpoint_every",
    "train.checkpoint_every_epochs",
    "train.keep_last",
    "train.early_stopping",
    "train.trackers",
    "train.runs_root",
    "data.num_workers",
    "data.dataset.root",
    "data.mix.N.dataset.root",
)
"""Recipe keys a resumed run may change (``N``: any index; a key covers the keys below it).
``data.dataset.root`` is for the same data at another place (staged to a node's scratch, say):
the run's saved split must still match its fields, or the run stops with an error."""


def resumed_recipe(
    run: RunFolder, given: RecipeBase, overrides: Iterable[str] | None
) -> RecipeBase:
    """The recipe to resume ``run`` with.

    ``overrides`` (from the command line) are applied to the run's ``recipe.yaml``; when they
    are ``None`` (a loaded recipe was passed to :func:`i2i.train`), ``given`` is compared with
    the saved recipe instead. Either way only :data:`SAFE_ON_RESUME` keys may differ.
    """
    from i2i.recipe import load_recipe

    if not run.recipe.is_file():
        raise I2IError(
            f"--resume {run.path}: the run folder has no recipe.yaml, so the run it holds is "
            "unknown. Give a run folder written by 'i2i run'."
        )
    saved = load_recipe(run.recipe)
    resumed = given if overrides is None else load_recipe(run.recipe, list(overrides))
    refused = [key for key in differences(saved.to_dict(), resumed.to_dict()) if not _safe(key)]
    if refused:
        raise I2IError(
            f"--resume {run.path}: a resumed run keeps the recipe it started with "
            f"({run.recipe}), but these keys differ from it: {', '.join(refused)}. Only "
            f"{', '.join(SAFE_ON_RESUME)} may change on resume (N: any index). Drop the other "
            "overrides (the saved recipe already has those of the first start), or start a new "
            "run without --resume."
        )
    return resumed


def differences(old: object, new: object, prefix: str = "") -> list[str]:
    """Dotted keys (``train.max_steps``, ``losses.0.weight``) whose values differ."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = list(old) + [k for k in new if k not in old]
        return [key for k in keys for key in differences(old.get(k), new.get(k), f"{prefix}{k}.")]
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and all(isinstance(item, Mapping) for item in old + new)
    ):
        return [
            key
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for key in differences(a, b, f"{prefix}{i}.")
        ]
    return [] if old == new else [prefix.rstrip(".")]


def _safe(key: str) -> bool:
    """Whether ``key`` is, or lies below, a key of :data:`SAFE_ON_RESUME`."""
    generic = re.sub(r"\.\d+(?=\.|$)", ".N", key)
    return any(generic == safe or generic.startswith(f"{safe}.") for safe in SAFE_ON_RESUME)
