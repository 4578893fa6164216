"""``load_predictor``: a ready predictor from a zoo name, a weights file or a run folder.

The name or path is resolved (and a zoo model downloaded and verified) by
:func:`i2i.zoo.loading.resolve_weights`; the model is rebuilt from the spec in the file's
metadata by :func:`i2i.model.load_model`, and its input contract read from the metadata key
``input_contract``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.predict.contract import ContractError, InputContract
from i2i.predict.predictor import Predictor


def load_predictor(name_or_path: str | Path, **options: Any) -> Predictor:
    """A :class:`Predictor` for the model at ``name_or_path`` with ``options`` (tile_size ...)."""
    from i2i.model import load_model
    from i2i.zoo.loading import resolve_weights

    weights = resolve_weights(name_or_path)
    model, metadata = load_model(weights)
    contract = metadata.get("input_contract")
    if not isinstance(contract, dict):
        raise ContractError(
            f"{weights}: the file's metadata has no input contract, so i2i cannot tell how to "
            "prepare images for this model. Use weights written by 'i2i run' or exported with "
            "'i2i zoo export'."
        )
    return Predictor(model, InputContract.from_metadata(contract, str(weights)), **options)
