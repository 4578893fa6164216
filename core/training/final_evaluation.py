"""The end of a run: score the best weights on the test split (or validation) with the recipe's
metrics and write the evaluation report into ``<run>/evaluation/``. Images larger than a tile
are predicted by sliding windows, exactly as validation and ``i2i predict`` do. The evaluation
extensions the recipe names (``evaluate.extensions``, e.g. ``objects``) run on the same
predictions and add their sections to the report (:mod:`i2i.evaluate.extensions`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from i2i.training.run_folder import RunFolder
from i2i.training.validation import predict_batch

if TYPE_CHECKING:
    from i2i.evaluation_extensions import ImagePair
    from i2i.training.parts import RunParts


@torch.no_grad()
def evaluate_best(run: RunFolder, parts: RunParts, device: torch.device) -> Path | None:
    """``report.md`` of the best (else last) weights; ``None`` without held-out data."""
    from i2i.evaluate import Evaluator, write_report
    from i2i.evaluate.extensions import append_sections, run_extensions
    from i2i.installed_extensions import resolve_requests
    from i2i.model import load_translator

    loader = parts.test_loader or parts.val_loader
    weights = run.best_weights if run.best_weights.exists() else run.last_weights
    if loader is None or not weights.exists():
        return None
    model, _ = load_translator(weights)
    model.to(device).eval()
    evaluate = parts.recipe.evaluate
    evaluator = Evaluator(
        parts.metric_names,
        device=str(device),
        panel_size=evaluate.panel_size if evaluate else 256,
        metric_set=evaluate.metric_set if evaluate else None,
    )
    channels = parts.contract.output_channels
    extensions = resolve_requests(
        evaluate.extensions if evaluate else {}, "evaluate.extensions.{name}"
    )
    pairs: list[ImagePair] = []  # kept only when an extension will read them
    for batch in loader:
        inputs = batch["input"].to(device)
        prediction = predict_batch(
            lambda tiles: model(tiles.to(device))[0].float(),
            inputs,
            parts.recipe.predict,
            parts.contract.size_multiple,
        )
        prediction = prediction.to(device)
        evaluator.add(
            prediction,
            batch["target"].to(device),
            images=[_image_name(meta) for meta in batch["meta"]],
            channels=channels,
            meta=[_columns(meta) for meta in batch["meta"]],
            inputs=inputs,
            mask=batch["mask"],
        )
        if extensions:
            pairs += _image_pairs(prediction, batch, channels)
    split = "test" if parts.test_loader is not None else "validation"
    title = f"{parts.recipe.name}: {split} split, {weights.name}"
    report = write_report(evaluator.result(), run.path / "evaluation", title=title)
    return append_sections(report, run_extensions(extensions, lambda: pairs, report.parent))


def _image_pairs(
    prediction: torch.Tensor, batch: dict[str, Any], channels: list[str]
) -> list[ImagePair]:
    """One :class:`ImagePair` per image of the batch, with the channels it has a target for."""
    from i2i.evaluation_extensions import ImagePair

    present = batch["mask"].cpu().numpy() > 0  # (B, C)
    pairs = []
    for b, meta in enumerate(batch["meta"]):
        kept = [c for c in range(len(channels)) if present[b, c]]
        if kept:
            pairs.append(
                ImagePair(
                    name=_image_name(meta),
                    channels=tuple(channels[c] for c in kept),
                    real=batch["target"][b, kept].cpu().numpy(),
                    predicted=prediction[b, kept].cpu().numpy(),
                )
            )
    return pairs


def _image_name(meta: dict[str, Any]) -> str:
    name = str(meta.get("field_id", "image"))
    if meta.get("z"):
        name += "_z" + "-".join(str(z) for z in meta["z"])
    if meta.get("tile"):
        name += "_tile" + "-".join(str(v) for v in meta["tile"][:2])
    return name


def _columns(meta: dict[str, Any]) -> dict[str, Any]:
    columns = {"field": meta.get("field_id"), "modality": meta.get("modality")}
    columns.update(meta.get("groups") or {})
    if meta.get("z") and len(meta["z"]) == 1:
        columns["z"] = meta["z"][0]
    return {k: v for k, v in columns.items() if v is not None}
