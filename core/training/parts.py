"""Everything a run builds from its recipe: data loaders, model, critic, losses, metrics, and
the metadata written into exported weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from i2i._version import __version__
from i2i.training.losses import LossSet
from i2i.training.run_folder import RunFolder


@dataclass
class RunParts:
    recipe: Any
    model: nn.Module
    discriminator: nn.Module | None
    losses: LossSet
    train_loader: Any
    val_loader: Any
    test_loader: Any
    contract: dict[str, Any]
    higher_is_better: dict[str, bool]
    metric_names: list[str] | None
    device: Any = None

    def evaluator_factory(self) -> Any:
        from i2i.evaluate import Evaluator

        return Evaluator(self.metric_names, device=str(self.device or "cpu"), panel_size=0)

    def export_metadata(self, step: int) -> dict[str, Any]:
        """What exported weights carry so that the file alone rebuilds and uses its model."""
        return {
            "recipe": self.recipe.to_dict(),
            "input_contract": self.contract,
            "i2i_version": __version__,
            "step": step,
        }


def build_parts(recipe: Any, run: RunFolder, seed: int, device: Any) -> RunParts:
    from i2i.data import build_dataloaders
    from i2i.model import build_model
    from i2i.plugins import get_registries

    registries = get_registries()
    data = build_dataloaders(recipe.data, split_path=run.split, seed=seed)
    model_spec = recipe.model.model_dump(exclude={"discriminator"})
    model = build_model(model_spec)
    discriminator = None
    if recipe.model.discriminator is not None:
        discriminator = registries.discriminators.create(
            recipe.model.discriminator, in_channels=recipe.model.out_channels
        )
    losses = LossSet.build(recipe.losses, registries, discriminator is not None)
    metric_names = [m.name for m in recipe.evaluate.metrics] if recipe.evaluate else None
    higher = {
        c.name: bool(getattr(c.build(), "higher_is_better", True)) for c in registries.metrics
    }
    contract = {
        **data.contract,
        "size_multiple": int(getattr(model, "size_multiple", 1)),
    }
    return RunParts(
        recipe=recipe,
        model=model,
        discriminator=discriminator,
        losses=losses,
        train_loader=data.train,
        val_loader=data.val,
        test_loader=data.test,
        contract=contract,
        higher_is_better=higher,
        metric_names=metric_names or None,
        device=device,
    )
