"""Scoring in-memory batches: the engine behind folder evaluation and a run's test split.

Example::

    from i2i.evaluate import Evaluator, write_report

    evaluator = Evaluator()  # every registered metric, challenge normalisation
    for batch in loader:
        evaluator.add(model(batch["input"]), batch["target"], images=batch["meta"]["name"],
                      channels=["Nucleus"], inputs=batch["input"])
    write_report(evaluator.result(), "runs/test_eval")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from i2i.device import AUTO, resolve_device
from i2i.evaluate.errors import EvaluationError
from i2i.evaluate.metric_sets import collect_metric_sets
from i2i.evaluate.panels import Panel, make_panel
from i2i.evaluate.result import EvaluationResult

if TYPE_CHECKING:
    import torch

    from i2i.registry import Registries

ArrayLike: TypeAlias = "np.ndarray | torch.Tensor"

Row: TypeAlias = dict[str, object]
"""One row of the per-image table: ``image``, ``channel``, metric values, metadata."""

METRIC_ORDER = ("mae", "mse", "ssim", "pcc", "euclidean", "cosine", "psnr")
"""Column order of the per-image table; other registered metrics follow by name."""


def default_metrics(names: Sequence[str]) -> list[str]:
    """Registered metric ``names`` in the table's column order."""
    return [n for n in METRIC_ORDER if n in names] + sorted(set(names) - set(METRIC_ORDER))


class Evaluator:
    """Accumulates per-image, per-channel metric values (and small display panels).

    :param metrics: metric component names (default: every registered metric).
    :param normalize: ``"challenge"`` (p2/p99.8 percentile normalisation first) or ``"none"``.
    :param device: ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``... (see :func:`scoring_device`)
    :param panel_size: longest side of the stored display panels; 0 stores none.
    :param metric_set: summarise every channel with this named set instead of its organelle's.
    """

    def __init__(
        self,
        metrics: Sequence[str] | None = None,
        *,
        normalize: str = "challenge",
        device: str = AUTO,
        panel_size: int = 256,
        metric_set: str | None = None,
        registries: Registries | None = None,
    ):
        from i2i.plugins import get_registries

        registry = (registries or get_registries()).metrics
        if metrics is not None and not metrics:
            raise EvaluationError(
                "metrics=[] names no metric to score. Name at least one (e.g. ['mae', 'pcc'], "
                "see 'i2i components metrics') or leave metrics out to score every metric."
            )
        names = list(metrics) if metrics is not None else default_metrics(registry.names())
        if not names:
            raise EvaluationError(
                "No metrics are installed: the 'metrics' registry is empty. Install or enable the "
                "lmc_metrics plugin (see 'i2i plugins')."
            )
        self.metrics = [registry.create({"name": n, "normalize": normalize}) for n in names]
        self.normalize = normalize
        self.device = scoring_device(device)
        self.panel_size = panel_size
        self.metric_sets = collect_metric_sets()
        self.metric_set = metric_set
        self._rows: list[Row] = []
        self._panels: dict[int, Panel] = {}

    def add(
        self,
        prediction: ArrayLike,
        target: ArrayLike,
        *,
        images: Sequence[str],
        channels: Sequence[str] | None = None,
        meta: Sequence[Mapping[str, object]] | None = None,
        inputs: ArrayLike | None = None,
        mask: ArrayLike | None = None,
    ) -> list[Row]:
        """Score a batch and return its rows.

        :param prediction: (B, C, H, W) array or tensor.
        :param target: (B, C, H, W), same shape.
        :param images: one name per image (the ``image`` column).
        :param channels: one name per channel (default ``C0, C1, ...``); also the organelle
            unless ``meta`` gives one.
        :param meta: one mapping per image of extra columns (``organelle``, ``modality``,
            ``study``, ``z``, ``field``...).
        :param inputs: (B, Cin, H', W') model inputs, shown in the panels (first channel).
        :param mask: (B, C), 1 where the target exists; channels with 0 are skipped.
        """
        pred, targ = self._as_tensor(prediction), self._as_tensor(target)
        batch, n_channels = self._check(pred, targ, images)
        names = list(channels) if channels is not None else [f"C{c}" for c in range(n_channels)]
        values = {m.name: m(pred, targ).cpu().numpy() for m in self.metrics}  # name → (B, C)
        present = np.ones((batch, n_channels), bool) if mask is None else _numpy(mask) > 0
        rows: list[Row] = []
        for b in range(batch):
            extra = dict(meta[b]) if meta is not None else {}
            for c in range(n_channels):
                if not present[b, c]:
                    continue
                row: Row = {"image": images[b], "channel": names[c]}
                row |= {name: float(v[b, c]) for name, v in values.items()}
                row |= {"organelle": names[c]} | extra
                self._store_panel(len(self._rows), pred[b, c], targ[b, c], inputs, b)
                self._rows.append(row)
                rows.append(row)
        return rows

    def result(self) -> EvaluationResult:
        """The per-image table and panels gathered so far."""
        import pandas as pd

        metric_names = [m.name for m in self.metrics]
        table = pd.DataFrame(self._rows, columns=_columns(self._rows, metric_names))
        return EvaluationResult(
            per_image=table,
            metrics=metric_names,
            higher_is_better={m.name: bool(m.higher_is_better) for m in self.metrics},
            metric_sets=self.metric_sets,
            metric_set=self.metric_set,
            normalize=self.normalize,
            panels=dict(self._panels),
        )

    def _as_tensor(self, array: ArrayLike) -> torch.Tensor:
        import torch

        if isinstance(array, torch.Tensor):
            return array.detach().to(self.device)
        values = np.asarray(array)
        if not values.flags.writeable:  # read-only buffers (e.g. from Pillow) cannot be shared
            values = values.copy()
        return torch.from_numpy(values).to(self.device)

    def _check(
        self, pred: torch.Tensor, targ: torch.Tensor, images: Sequence[str]
    ) -> tuple[int, int]:
        if pred.dim() != 4 or pred.shape != targ.shape:
            raise EvaluationError(
                f"{', '.join(map(str, images[:3]))}: prediction {tuple(pred.shape)} and target "
                f"{tuple(targ.shape)} must both be (B, C, H, W) with the same shape. Predict at "
                "the target's size, or crop both to the same region."
            )
        if len(images) != pred.shape[0]:
            raise EvaluationError(
                f"{len(images)} image names were given for a batch of {pred.shape[0]} images; "
                "give one name per image."
            )
        return int(pred.shape[0]), int(pred.shape[1])

    def _store_panel(
        self, row: int, pred: torch.Tensor, targ: torch.Tensor, inputs: ArrayLike | None, b: int
    ) -> None:
        if self.panel_size <= 0:
            return
        shown_input = None if inputs is None else _numpy(inputs[b][0])
        self._panels[row] = make_panel(
            shown_input, _numpy(targ), _numpy(pred), size=self.panel_size
        )


def scoring_device(device: str = AUTO) -> torch.device:
    """The device metrics are computed on: :func:`i2i.device.resolve_device`'s, but the CPU
    where that is Apple MPS under ``"auto"``. The metrics compute in float64, which MPS does
    not have; naming ``"mps"`` is therefore an error."""
    import torch

    chosen = resolve_device(device)
    if chosen.type != "mps":
        return chosen
    if device == AUTO:
        return torch.device("cpu")
    raise EvaluationError(
        f"--device {device!r}: the metrics compute in float64, which Apple MPS does not "
        "support. Use auto (CUDA when available, else the CPU) or cpu."
    )


def _numpy(array: ArrayLike) -> np.ndarray:
    import torch

    if isinstance(array, torch.Tensor):
        return array.detach().cpu().numpy()
    return np.asarray(array)


def _columns(rows: list[Row], metric_names: list[str]) -> list[str]:
    """``image, channel``, the metrics, then every metadata column in order of appearance."""
    columns = ["image", "channel", *metric_names]
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns
