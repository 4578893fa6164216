"""Everything a run builds from its recipe: data loaders, model, critic, losses, metrics, and
the metadata written into exported weights.

The input contract is built and validated by the data pipeline (:class:`i2i.contract.
InputContract`), completed here with the model's size multiple, carried typed through training
and turned into JSON only in the metadata of exported weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from i2i._version import __version__
from i2i.contract import InputContract
from i2i.domain import TrainingDomain
from i2i.errors import I2IError
from i2i.training.losses import LossSet
from i2i.training.run_folder import RunFolder

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

    from i2i.data.transforms import Sample
    from i2i.evaluate import Evaluator
    from i2i.model import Translator
    from i2i.recipe.schema import RecipeBase
    from i2i.recipe.sections import DataSection


@dataclass
class RunParts:
    """What the recipe built for one run (``Trainer`` takes it as is)."""

    recipe: RecipeBase
    model: Translator
    discriminator: nn.Module | None
    losses: LossSet
    train_loader: DataLoader[Sample]
    val_loader: DataLoader[Sample] | None
    test_loader: DataLoader[Sample] | None
    contract: InputContract
    higher_is_better: dict[str, bool]
    metric_names: list[str] | None
    device: torch.device | None = None
    _domain: TrainingDomain | None = field(default=None, init=False, repr=False)

    def evaluator_factory(self) -> Evaluator:
        from i2i.evaluate import Evaluator

        return Evaluator(self.metric_names, device=str(self.device or "cpu"), panel_size=0)

    def export_metadata(self, step: int) -> dict[str, object]:
        """What exported weights carry so that the file alone rebuilds and uses its model, and
        the training domain prediction compares inputs with (:mod:`i2i.domain`)."""
        return {
            "recipe": self.recipe.to_dict(),
            "input_contract": self.contract.model_dump(mode="json"),
            "training_domain": self.training_domain().model_dump(mode="json"),
            "i2i_version": __version__,
            "step": step,
        }

    def training_domain(self) -> TrainingDomain:
        """The training data's domain, computed once per run from a sample of training items
        (:func:`i2i.training.domain_record.training_domain`)."""
        if self._domain is None:
            from i2i.training.domain_record import training_domain

            self._domain = training_domain(self.train_loader.dataset, self.contract)
        return self._domain


def initialise_from(model: nn.Module, reference: str, runs_root: Path) -> None:
    """Load the weights named by ``reference`` (see ``train.init_from``) into ``model``."""
    from i2i.training.run_folder import latest_run_folder
    from i2i.weights import load_weights
    from i2i.zoo.loading import resolve_weights

    if reference.startswith("run:"):
        recipe_name = reference.removeprefix("run:")
        folder = latest_run_folder(runs_root, recipe_name, weights=True)
        if folder is None:
            raise I2IError(
                f"train.init_from {reference!r}: no run of {recipe_name!r} with weights under "
                f"{runs_root / recipe_name}. Train it first ('i2i run {recipe_name}')."
            )
        reference = str(folder.path)
    state, _ = load_weights(resolve_weights(reference))
    own = model.state_dict()
    mismatched = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    missing = [k for k in own if k not in state]
    if mismatched or missing:
        raise I2IError(
            f"train.init_from {reference!r}: the weights do not fit this recipe's model "
            f"({len(missing)} missing, {len(mismatched)} of another shape, e.g. "
            f"{(missing + mismatched)[:3]}). Use weights of the same architecture and channels."
        )
    model.load_state_dict({k: v for k, v in state.items() if k in own})


def training_data(recipe: RecipeBase) -> DataSection:
    """The recipe's data section; a recipe without one cannot train."""
    if recipe.data is None:
        raise I2IError(
            f"recipe {recipe.name!r} has no data section, so it cannot train (a recipe without "
            "data only predicts). Add data: {dataset: ...} (see docs/recipes.md)."
        )
    return recipe.data


def build_parts(
    recipe: RecipeBase,
    run: RunFolder,
    seed: int,
    device: torch.device | None,
    resuming: bool = False,
) -> RunParts:
    """Data loaders, model, critic, losses and metrics of ``recipe``, and the input contract
    (validated by the data pipeline before anything trains). ``resuming``: the checkpoint
    will set the weights, so ``train.init_from`` is not loaded (nor needed any more)."""
    from i2i.data import build_dataloaders
    from i2i.model import build_model
    from i2i.plugins import get_registries

    registries = get_registries()
    data = build_dataloaders(training_data(recipe), split_path=run.split, seed=seed)
    model_spec = recipe.model.model_dump(exclude={"discriminator"})
    model = build_model(model_spec)
    discriminator = None
    if recipe.model.discriminator is not None:
        discriminator = registries.discriminators.create(
            recipe.model.discriminator, in_channels=recipe.model.out_channels
        )
    if recipe.train.init_from and not resuming:
        initialise_from(model, recipe.train.init_from, Path(recipe.train.runs_root))
    losses = LossSet.build(recipe.losses, registries, discriminator is not None)
    metric_names = [m.name for m in recipe.evaluate.metrics] if recipe.evaluate else None
    higher = {
        c.name: bool(getattr(c.build(), "higher_is_better", True)) for c in registries.metrics
    }
    contract = data.contract.model_copy(update={"size_multiple": model.size_multiple})
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
