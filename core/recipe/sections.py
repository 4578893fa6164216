"""The recipe sections as static types: every field that does not depend on plugins.

The sections holding component slots (data, model, evaluate, a ``data.mix`` entry) declare
each slot as a :class:`ComponentSpec` here; :mod:`i2i.recipe.schema` narrows every slot to
the installed components once plugins have loaded, in a subclass of these types. Code after
the recipe takes these types, so a default (``data.num_workers``...) lives in one place.
Every model forbids unknown keys, and every field has a description: it is what ``i2i recipe
schema`` shows in editors and what the reference in ``docs/recipes.md`` is generated from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from i2i.tiling import Tiling


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error of a cross-field check, reported at ``field`` below the validated model."""
    return PydanticCustomError("recipe_field", "{message}", {"field": field, "message": message})


class Section(BaseModel):
    """Base of recipe sections: unknown keys are errors, defaults are validated."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class ComponentSpec(BaseModel):
    """A component in a recipe slot: its ``name`` and the parameters of its ``Params`` model.

    The schema builds one subclass per registered component (its ``Params`` plus ``name``), so
    a slot's value is always an instance of this type. A section validated on its own type,
    not the schema's subclass, would keep no parameters: the schema narrows every slot.
    """

    if TYPE_CHECKING:  # a Literal field of each component's subclass
        name: str


class HoldoutBand(Section):
    """A band of every field kept for validation; the rest of the field trains."""

    axis: Literal["x", "y"] = Field("x", description="x: a band of columns; y: a band of rows.")
    start: float = Field(ge=0, lt=1, description="Start of the band, as a fraction of the field.")
    end: float = Field(gt=0, le=1, description="End of the band, as a fraction of the field.")

    @model_validator(mode="after")
    def _touches_an_edge(self) -> HoldoutBand:
        if self.start >= self.end:
            raise ValueError(f"start ({self.start}) must be below end ({self.end})")
        if self.start > 0 and self.end < 1:
            raise ValueError(
                "the band must touch an edge of the field (start 0 or end 1), so that the "
                "training part is one rectangle"
            )
        return self


class SplitConfig(Section):
    """How the dataset's fields of view are divided into training, validation and test sets."""

    val_fraction: float = Field(0.1, ge=0, lt=1, description="Share of fields for validation.")
    test_fraction: float = Field(0.0, ge=0, lt=1, description="Share of fields held out for test.")
    group_by: str | None = Field(
        None,
        description=(
            "A grouping key of the dataset ('study', 'plate', 'well'...) whose members stay in "
            "the same split, so no well leaks between training and validation; null splits "
            "fields independently."
        ),
    )
    stratify_by: str | None = Field(
        None,
        description=(
            "A grouping key ('study'...) whose every value gets its share of validation and "
            "test fields, so every study appears in every split; null: no strata."
        ),
    )
    seed: int = Field(0, description="Seed of the random split (the split is saved in the run).")
    holdout: HoldoutBand | None = Field(
        None,
        description=(
            "Validate on this band of every field and train on the rest (e.g. {axis: x, "
            "start: 0.75, end: 1.0}: the right quarter); set val_fraction and test_fraction "
            "to 0. For datasets with too few fields to split."
        ),
    )

    @model_validator(mode="after")
    def _fractions_leave_training_data(self) -> SplitConfig:
        if self.holdout is not None and (self.val_fraction or self.test_fraction):
            raise ValueError(
                "split.holdout validates on a band of every field, so val_fraction and "
                "test_fraction must be 0"
            )
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"val_fraction ({self.val_fraction}) + test_fraction ({self.test_fraction}) "
                "leave nothing to train on; their sum must be below 1"
            )
        return self


class MixSource(Section):
    """Data mixed into training from another dataset (e.g. the pre-training data of a fine-tuning).

    Its component slots (``dataset``, ``transforms``) are narrowed by :mod:`i2i.recipe.schema`.
    """

    fraction: float = Field(
        gt=0,
        lt=1,
        description=(
            "Expected share of the training samples of each epoch drawn from this dataset "
            "(0.25: a quarter); the recipe's own dataset keeps the rest."
        ),
    )
    targets: dict[str, str] | None = Field(
        None,
        description=(
            "This dataset's target names mapped onto the recipe's (e.g. {AGP: Actin}); targets "
            "not mapped are not used. null: the targets both datasets name alike."
        ),
    )
    split: SplitConfig = Field(
        default_factory=lambda: SplitConfig.model_validate({}),
        description=(
            "The split of this dataset (keys as in data.split): only its training fields are "
            "mixed in. Give the split of the recipe that trained on it (e.g. the pre-training), "
            "so that its validation and test fields stay unseen."
        ),
    )
    dataset: ComponentSpec = Field(
        description="Dataset component (its own root, inputs, targets, z, tiles...)."
    )
    transforms: list[ComponentSpec] | None = Field(
        None, description="Training transforms of this dataset; null: data.transforms."
    )

    @model_validator(mode="after")
    def _one_source_per_target(self) -> MixSource:
        recipe_targets = list((self.targets or {}).values())
        repeated = sorted({name for name in recipe_targets if recipe_targets.count(name) > 1})
        if repeated:
            raise ValueError(
                f"targets maps several of this dataset's targets onto {repeated}; map at most "
                "one onto each of the recipe's targets"
            )
        return self


def check_mix_fractions(mix: Sequence[MixSource]) -> Sequence[MixSource]:
    """``data.mix`` must leave the recipe's own dataset a share of every epoch."""
    total = sum(source.fraction for source in mix)
    if total >= 1:
        raise ValueError(
            f"the fractions of data.mix add up to {total:g}; their sum must be below 1 so that "
            "the recipe's own dataset keeps a share of the training samples"
        )
    return mix


class DataSection(Section):
    """Where the images come from and how they are augmented and batched."""

    dataset: ComponentSpec = Field(description="Dataset component.")
    reader: ComponentSpec | None = Field(
        None, description="Reader component; null picks one by file type."
    )
    transforms: list[ComponentSpec] = Field(
        default_factory=list, description="Transform components, applied in order."
    )
    val_transforms: list[ComponentSpec] | None = Field(
        None, description="Transforms of validation; null: the deterministic ones."
    )
    split: SplitConfig = Field(
        default_factory=lambda: SplitConfig.model_validate({}), description="Data split."
    )
    batch_size: int = Field(8, ge=1, description="Samples per batch (per process).")
    num_workers: int = Field(2, ge=0, description="Data-loading worker processes.")
    repeat: int = Field(
        1,
        ge=1,
        description=(
            "Times each training sample is drawn per epoch, each draw augmented "
            "differently (random crops of a few large fields)."
        ),
    )
    mix: Annotated[list[MixSource], AfterValidator(check_mix_fractions)] = Field(
        default_factory=list,
        description=(
            "Other datasets mixed into training, each with its share of the samples "
            "(e.g. the pre-training data of a fine-tuning); validation uses the recipe's "
            "dataset only."
        ),
    )


class ModelSection(Section):
    """The translator generator(quantizer(encoder(x))) and its optional critic."""

    in_channels: int = Field(ge=1, description="Input channels (e.g. 1: bright field).")
    out_channels: int = Field(ge=1, description="Channels predicted (e.g. 1: one organelle).")
    encoder: ComponentSpec | None = Field(
        None, description="Encoder component; null when the generator takes the image."
    )
    quantizer: ComponentSpec | None = Field(
        None, description="Quantizer component (vector quantization); null: none."
    )
    generator: ComponentSpec = Field(
        description="Generator component: latent (or image) to the output image."
    )
    discriminator: ComponentSpec | None = Field(
        None, description="Discriminator component for GAN losses; null: none."
    )

    @model_validator(mode="after")
    def _quantizer_has_encoder(self) -> ModelSection:
        if self.quantizer is not None and self.encoder is None:
            raise field_error(
                "quantizer",
                "a quantizer needs an encoder to quantize; add model.encoder or remove "
                "model.quantizer",
            )
        return self


class EvaluateSection(Section):
    """Metrics of validation and of the test split."""

    metrics: list[ComponentSpec] = Field(
        default_factory=list, description="Metric components; empty: every one installed."
    )
    metric_set: str | None = Field(
        None, description="Summarise every channel with this named metric set."
    )
    panel_size: int = Field(256, ge=0, description="Side of saved image panels; 0: none.")
    extensions: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict,
        description=(
            "Evaluations beside the metrics in the final evaluation, by name with their "
            "parameters: {objects: {segmentation: {min_distance: 6}}} compares segmented nuclei "
            "and their measurements (as 'i2i evaluate --objects'); checked against the "
            "installed extensions."
        ),
    )

    @field_validator("extensions")
    @classmethod
    def _extensions_are_installed(
        cls, value: dict[str, dict[str, Any] | None]
    ) -> dict[str, dict[str, Any] | None]:
        """Each named extension is installed with its libraries; its parameters are validated
        and kept with every default filled in (so the saved recipe reproduces the run)."""
        if not value:
            return value
        from i2i.errors import I2IError
        from i2i.installed_extensions import resolve_requests

        try:
            resolved = resolve_requests(value, "evaluate.extensions.{name}")
        except I2IError as exc:
            raise ValueError(str(exc)) from None
        return {name: params.model_dump(mode="json") for name, (_, params) in resolved.items()}


class EMAConfig(Section):
    """An exponential moving average of the generator's weights, used for validation and export."""

    decay: float = Field(0.999, gt=0, lt=1, description="Weight of the running average per update.")
    start_step: int = Field(
        0,
        ge=0,
        description="Optimizer step at which averaging starts; until then the average follows "
        "the weights.",
    )
    every: int = Field(1, ge=1, description="Update the average every this many optimizer steps.")


class SchedulerConfig(Section):
    """The learning-rate schedule (applied to every optimizer of the run)."""

    name: Literal["constant", "cosine", "linear"] = Field(
        "constant", description="Shape after warm-up: constant, cosine or linear decay to min_lr."
    )
    warmup_steps: int = Field(0, ge=0, description="Linear warm-up from 0 over this many steps.")
    min_lr: float = Field(0.0, ge=0, description="Learning rate at max_steps (cosine, linear).")


class EarlyStoppingConfig(Section):
    """Stop when the validation value of ``train.best_metric`` stops improving."""

    patience: int = Field(
        ge=1,
        description=(
            "Validations in a row without an improvement after which the run stops (3 with "
            "validate_every 150: 450 steps)."
        ),
    )
    min_delta: float = Field(
        0.0,
        ge=0,
        description=(
            "Smallest change of the metric, in its direction (higher or lower is better), that "
            "counts as an improvement."
        ),
    )


TrackerName = Literal["tensorboard", "wandb", "mlflow", "comet_ml", "aim", "clearml", "dvclive"]
"""The Accelerate experiment trackers a recipe may name in ``train.trackers``."""

_EVERY_EPOCHS = {
    "validate_every": "validate_every_epochs",
    "checkpoint_every": "checkpoint_every_epochs",
}
"""Schedules given in optimizer steps and their counterparts in epochs of the training data."""


class TrainConfig(Section):
    """Optimisation, schedule, precision, validation and checkpointing of a training run."""

    seed: int = Field(0, description="Seed of model initialisation, data order and augmentation.")
    max_steps: int = Field(10_000, ge=1, description="Optimizer steps to train for.")
    optimizer: Literal["adam", "adamw"] = Field("adam", description="Optimizer of every network.")
    lr: float = Field(1e-4, gt=0, description="Learning rate of the generator side.")
    discriminator_lr: float | None = Field(
        None, gt=0, description="Learning rate of the discriminator; null uses lr."
    )
    betas: tuple[float, float] = Field(
        (0.5, 0.9), description="Adam betas (the VQGAN papers use [0.5, 0.9])."
    )
    weight_decay: float = Field(0.0, ge=0, description="Weight decay (decoupled for adamw).")
    grad_accum: int = Field(1, ge=1, description="Batches accumulated per optimizer step.")
    grad_clip: float | None = Field(
        None, gt=0, description="Clip the gradient norm to this value; null does not clip."
    )
    mixed_precision: Literal["no", "bf16", "fp16"] = Field(
        "no",
        description=(
            "Autocast precision: no (fp32), bf16, or fp16 with loss scaling (GPUs only; on a "
            "CPU, bf16)."
        ),
    )
    scheduler: SchedulerConfig = Field(
        default_factory=lambda: SchedulerConfig.model_validate({}),
        description="Learning-rate schedule.",
    )
    ema: EMAConfig | None = Field(None, description="Average the generator's weights; null: off.")
    log_every: int = Field(50, ge=1, description="Log training losses every this many steps.")
    validate_every: int | None = Field(
        1000, ge=1, description="Validate every this many steps; null with validate_every_epochs."
    )
    validate_every_epochs: float | None = Field(
        None,
        gt=0,
        description=(
            "Or: validate every this many epochs of the training data (0.5: twice an epoch), "
            "turned into steps from the number of training batches and grad_accum."
        ),
    )
    checkpoint_every: int | None = Field(
        1000, ge=1, description="Checkpoint every N steps; null with checkpoint_every_epochs."
    )
    checkpoint_every_epochs: float | None = Field(
        None, gt=0, description="Or: save a checkpoint every this many epochs of the training data."
    )
    keep_last: int = Field(3, ge=1, description="Checkpoints kept; older ones are deleted.")
    best_metric: str | None = Field(
        None,
        description=(
            "Keep the weights with the best validation value of this metric (a name from "
            "evaluate.metrics, e.g. pcc); null keeps none."
        ),
    )
    early_stopping: EarlyStoppingConfig | None = Field(
        None,
        description=(
            "Stop when validation of best_metric has not improved for a while (e.g. "
            "{patience: 3, min_delta: 0.002}); the best weights are the run's result. null: "
            "train to max_steps."
        ),
    )
    runs_root: str = Field("runs", description="Folder under which run folders are created.")
    trackers: list[TrackerName] = Field(
        ["tensorboard"],
        description=(
            "Experiment trackers that receive the logged values besides metrics.csv: "
            "tensorboard, wandb, mlflow, comet_ml, aim, clearml, dvclive; [] for none."
        ),
    )
    init_from: str | None = Field(
        None,
        description=(
            "Start from these weights (fine-tuning): a .safetensors file, a run folder, a zoo "
            "model name, or 'run:<recipe name>' for the latest run of that recipe; null: "
            "random initialisation."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _epochs_replace_default_steps(cls, data: Any) -> Any:
        """A schedule in epochs replaces the default in steps (an explicit one is an error)."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for steps, epochs in _EVERY_EPOCHS.items():
            if data.get(epochs) is not None and steps not in data:
                data[steps] = None
        return data

    @model_validator(mode="after")
    def _early_stopping_has_a_metric(self) -> TrainConfig:
        if self.early_stopping is not None and self.best_metric is None:
            raise field_error(
                "early_stopping",
                "early_stopping watches the validation value of best_metric, which is null; "
                "set train.best_metric (e.g. pcc) or remove train.early_stopping",
            )
        return self

    @model_validator(mode="after")
    def _one_schedule_each(self) -> TrainConfig:
        for steps, epochs in _EVERY_EPOCHS.items():
            in_steps, in_epochs = getattr(self, steps), getattr(self, epochs)
            if in_steps is not None and in_epochs is not None:
                raise field_error(
                    steps,
                    f"{steps} ({in_steps}) and {epochs} ({in_epochs:g}) are both set; set one "
                    f"to null: train.{epochs}=null keeps every {in_steps} steps, "
                    f"train.{steps}=null every {in_epochs:g} epochs",
                )
            if in_steps is None and in_epochs is None:
                raise field_error(
                    steps,
                    f"{steps} and {epochs} are both null; give one of them (e.g. {steps}: 1000)",
                )
        return self


class PredictConfig(Section, Tiling):
    """Tiled inference on images of any size."""
