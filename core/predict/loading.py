"""``load_predictor``: a ready predictor from a zoo name, a weights file or a run folder.

The name or path is resolved (and a zoo model downloaded and verified) by
:func:`i2i.zoo.loading.resolve_weights`; the model is rebuilt from the spec in the file's
metadata by :func:`i2i.model.load_translator`, its input contract read from the metadata key
``input_contract``, and its tiling from the ``predict`` section of the recipe in the metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.contract import ContractError, InputContract
from i2i.predict.predictor import Predictor
from i2i.predict.window import blend_sigma_fraction


def load_predictor(name_or_path: str | Path, **options: Any) -> Predictor:
    """A :class:`Predictor` for the model at ``name_or_path`` with ``options`` (tile_size ...)."""
    from i2i.model import load_translator
    from i2i.zoo.loading import resolve_weights

    weights = resolve_weights(name_or_path)
    model, metadata = load_translator(weights)
    contract = metadata.get("input_contract")
    if not isinstance(contract, dict):
        raise ContractError(
            f"{weights}: the file's metadata has no input contract, so i2i cannot tell how to "
            "prepare images for this model. Use weights written by 'i2i run' or exported with "
            "'i2i zoo export'."
        )
    options = {**recipe_options(metadata), **options}
    return Predictor(model, InputContract.from_metadata(contract, str(weights)), **options)


def recipe_options(metadata: dict[str, Any]) -> dict[str, Any]:
    """Predictor options from the ``predict`` section of the recipe the weights carry.

    A recipe's tiling, batch, blending, rescaling and writer are the defaults of every
    prediction with its weights; options given to :func:`load_predictor` take precedence.
    """
    recipe = metadata.get("recipe")
    section = recipe.get("predict") if isinstance(recipe, dict) else None
    if not isinstance(section, dict):
        return {}
    keys = ("tile_size", "overlap", "batch_size", "rescale", "writer")
    options = {key: section.get(key) for key in keys}
    if section.get("blend") is not None:
        options["sigma_fraction"] = blend_sigma_fraction(section["blend"])
    return {k: v for k, v in options.items() if v is not None}
