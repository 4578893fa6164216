"""``export_model``: a run's weights and a model card, ready to publish in a zoo.

The weights file is copied byte for byte (it already carries the resolved recipe, the model
spec, the input contract and the i2i version in its metadata), and the card is filled in from
that metadata with the copy's sha256 and size. The card's URL is the file name, relative to the
card, unless a ``base_url`` says where the weights will be published. The card's metrics are
the validation values the run logged (``metrics.csv`` beside the weights) at the step of the
exported weights. Files are written with the usual permissions (``0o666`` less the umask).

This is the ``i2i`` format of ``i2i zoo export --format`` (:func:`export_request`); other
formats come from plugins (:mod:`i2i.zoo.formats`).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import yaml

from i2i.atomic import atomic_output, write_text_atomic
from i2i.errors import I2IError
from i2i.hashing import sha256_file
from i2i.model_formats import ExportRequest
from i2i.zoo.card import ModelCard, is_zoo_name, parse_card
from i2i.zoo.loading import resolve_weights


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
    request = export_request_for(
        run_or_weights,
        name,
        out_dir,
        licence=licence,
        citation=citation,
        description=description,
        modality=modality,
        base_url=base_url,
    )
    return export_request(request)[0]


def export_request_for(
    run_or_weights: str | Path, name: str, out_dir: str | Path, **fields: Any
) -> ExportRequest:
    """An :class:`ExportRequest` for ``run_or_weights`` (a run folder, a weights file or a zoo
    model's name, downloaded and verified when needed) with its weights resolved."""
    if not is_zoo_name(name):
        raise ExportError(
            f"{name!r} is not a zoo name: use lowercase letters, digits and single '-' "
            "between them (for example 'lab-mito')."
        )
    source = Path(run_or_weights).expanduser()
    if not source.exists() and not is_zoo_name(str(run_or_weights)):
        raise ExportError(f"{source}: no such run folder or weights file.")
    given = {key: value for key, value in fields.items() if value is not None}
    return ExportRequest(
        source=source,
        weights=resolve_weights(run_or_weights),
        out_dir=Path(out_dir).expanduser(),
        name=name,
        **given,
    )


def export_request(request: ExportRequest) -> list[Path]:
    """The ``i2i`` format: the weights and their card in ``request.out_dir``; [card, weights]."""
    weights = request.weights
    metadata = export_metadata(weights)
    file_name = f"{request.name}.safetensors"
    card = zoo_card(request, metadata, file_name)
    weights_out = request.out_dir / file_name
    with atomic_output(weights_out) as temporary:
        shutil.copyfile(weights, temporary)
    card_out = write_text_atomic(request.out_dir / f"{request.name}.yaml", card_yaml(card))
    return [card_out, weights_out]


def zoo_card(request: ExportRequest, metadata: dict[str, Any], file_name: str) -> ModelCard:
    """The zoo card of ``request``'s weights, listing them as ``file_name`` (relative to the
    card unless ``request.base_url`` is given)."""
    weights = request.weights
    base_url = request.base_url
    url = file_name if base_url is None else base_url.rstrip("/") + "/" + file_name
    file = {
        "name": file_name,
        "urls": [url],
        "sha256": sha256_file(weights),
        "size": weights.stat().st_size,
    }
    about: dict[str, Any] = {
        "licence": request.licence,
        "citation": request.citation,
        "modality": request.modality or ["unspecified"],
    }
    if request.description:
        about["description"] = request.description
    return _card(request.name, metadata, file, weights, about)


def export_metadata(weights: Path) -> dict[str, Any]:
    """The metadata of ``weights``, checked to hold a model spec and an input contract."""
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
        "metrics": run_metrics(weights, metadata, recipe),
        "status": "available",
        "source": (
            f"Exported with i2i {metadata.get('i2i_version', '?')} from {weights.name} "
            f"(training step {metadata.get('step', '?')}); the full recipe is in the file's "
            "metadata."
        ),
    }
    return parse_card(data, str(weights))


def card_yaml(card: ModelCard) -> str:
    """The card as YAML, fields in the card's order."""
    data = card.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def run_metrics(
    weights: Path, metadata: dict[str, Any], recipe: dict[str, Any]
) -> list[dict[str, Any]]:
    """The validation metrics (``val/<metric>`` of ``metrics.csv`` beside ``weights``) logged at
    the step of ``weights``; none when the run logged no validation at that step."""
    log = weights.parent / "metrics.csv"
    step = metadata.get("step")
    if not log.is_file() or step is None:
        return []
    with log.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("step") == str(step)]
    if not rows:
        return []
    data = recipe.get("data")
    dataset = data.get("dataset") if isinstance(data, dict) else None
    dataset_name = dataset.get("name") if isinstance(dataset, dict) else None
    where = (
        f"validation split of the {dataset_name or 'training'} data of run {weights.parent.name}"
    )
    return [
        {
            "name": key.removeprefix("val/"),
            "value": float(value),
            "dataset": where,
            "reference": f"{log.name} of the run, step {step} (mean over validation images)",
        }
        for key, value in rows[-1].items()
        if key.startswith("val/") and value not in ("", None)
    ]
