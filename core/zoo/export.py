"""``export_model``: a run's weights and a model card, ready to publish in a zoo.

The weights file is copied byte for byte (it already carries the resolved recipe, the model
spec, the input contract and the i2i version in its metadata), and the card is filled in from
that metadata with the copy's sha256 and size. The card's URL is the file name, relative to the
card, unless a ``base_url`` says where the weights will be published.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from i2i.atomic import atomic_output, write_text_atomic
from i2i.errors import I2IError
from i2i.hashing import sha256_file
from i2i.zoo.card import ModelCard, is_zoo_name, parse_card
from i2i.zoo.loading import local_weights


class ExportError(I2IError):
    """Weights cannot be exported as a zoo model."""


def export_model(
    run_or_weights: str | Path,
    name: str,
    out_dir: str | Path,
    *,
    licence: str = "NOASSERTION",
    citation: str = "",
    description: str | None = None,
    modality: list[str] | None = None,
    base_url: str | None = None,
) -> Path:
    """Write ``<out_dir>/<name>.safetensors`` and ``<out_dir>/<name>.yaml``; the card's path."""
    if not is_zoo_name(name):
        raise ExportError(
            f"{name!r} is not a zoo name: use lowercase letters, digits and single '-' "
            "between them (for example 'lab-mito')."
        )
    source = Path(run_or_weights).expanduser()
    if not source.exists():
        raise ExportError(f"{source}: no such run folder or weights file.")
    weights = local_weights(source)
    metadata = _metadata(weights)
    out = Path(out_dir).expanduser()
    file_name = f"{name}.safetensors"
    url = file_name if base_url is None else base_url.rstrip("/") + "/" + file_name
    file = {
        "name": file_name,
        "urls": [url],
        "sha256": sha256_file(weights),
        "size": weights.stat().st_size,
    }
    about = {"licence": licence, "citation": citation, "modality": modality or ["unspecified"]}
    if description:
        about["description"] = description
    card = _card(name, metadata, file, weights, about)
    with atomic_output(out / file_name) as temporary:
        shutil.copyfile(weights, temporary)
    return write_text_atomic(out / f"{name}.yaml", _card_yaml(card))


def _metadata(weights: Path) -> dict[str, Any]:
    from i2i.weights import load_weights, model_spec_of

    _, metadata = load_weights(weights)
    model_spec_of(metadata, weights)
    if not isinstance(metadata.get("input_contract"), dict):
        raise ExportError(
            f"{weights}: the file's metadata has no input contract, so users could not prepare "
            "images for it. Export weights written by 'i2i run' (best.safetensors or "
            "last.safetensors of a run folder) or by 'i2i model import-taming --recipe ...'."
        )
    return metadata


def _card(
    name: str,
    metadata: dict[str, Any],
    file: dict[str, Any],
    weights: Path,
    about: dict[str, Any],
) -> ModelCard:
    from i2i.contract import InputContract

    contract = InputContract.from_metadata(metadata["input_contract"], str(weights))
    found = metadata.get("recipe")
    recipe: dict[str, Any] = found if isinstance(found, dict) else {}
    channels = [str(c) for c in contract.input_channels or []] or ["all channels of the image"]
    normalization: dict[str, Any] = {"method": contract.normalization}
    if contract.normalization == "percentile":
        normalization["percentiles"] = list(contract.percentiles)
        normalization["clip"] = contract.clip
    data = {
        "name": name,
        "description": about.get("description")
        or recipe.get("description")
        or f"Predicts {', '.join(contract.output_channels)} from transmitted light.",
        "task": "in-silico-painting",
        "organelles": contract.output_channels,
        "input": {"modality": about["modality"], "channels": channels},
        "pixel_size_um": contract.pixel_size_um,
        "normalization": normalization,
        "recipe": recipe.get("name"),
        "files": [file],
        "licence": about["licence"],
        "citation": about["citation"],
        "status": "available",
        "source": (
            f"Exported with i2i {metadata.get('i2i_version', '?')} from {weights.name} "
            f"(training step {metadata.get('step', '?')}); the full recipe is in the file's "
            "metadata."
        ),
    }
    return parse_card(data, str(weights))


def _card_yaml(card: ModelCard) -> str:
    data = card.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
