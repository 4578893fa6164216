"""``load_predictor``: a ready predictor from a zoo name, a weights file or a run folder.

The name or path is resolved (and a zoo model downloaded and verified) by
:func:`i2i.zoo.loading.resolve_weights`; the model is rebuilt from the spec in the file's
metadata by :func:`i2i.model.load_translator`, its input contract read from the metadata key
``input_contract``, its training domain from ``training_domain`` (:mod:`i2i.domain`; absent
in older weights), and its tiling and writer from the ``predict`` section of the recipe in the
metadata: they are the defaults of every prediction with these weights, and options given to
:func:`load_predictor` take precedence (a writer spec given without a name, or naming the
recipe's writer, updates the recipe's writer parameters: ``writer={"zarr_format": 3}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, cast

import torch

from i2i.contract import ContractError, InputContract
from i2i.domain import METADATA_KEY, TrainingDomain
from i2i.io import WriterSpec
from i2i.prediction.predictor import Predictor, ProgressDisplay
from i2i.prediction.tta import TTAMode
from i2i.tiling import Blend, Tiling

if TYPE_CHECKING:
    from typing import Unpack

    from i2i.model_formats import ModelPackage


class TilingOptions(TypedDict, total=False):
    """The fields of :class:`~i2i.tiling.Tiling` given one by one; ``None``: the recipe's."""

    tile_size: int | None
    overlap: float | None
    batch_size: int | None
    blend: Blend | None
    rescale: bool | None


class PredictorOptions(TypedDict, total=False):
    """The keyword arguments of :class:`Predictor` other than the tiling."""

    device: str | torch.device
    bf16: bool
    compile: bool
    channels_last: bool
    tta: bool | TTAMode
    pixel_size: float | None
    output_dtype: Literal["input", "float32"]
    writer: WriterSpec
    show_progress: ProgressDisplay
    uncertainty: bool
    strict_domain: bool


class LoadOptions(TilingOptions, PredictorOptions, total=False):
    """What :func:`load_predictor` (and ``i2i.predict``) accept besides the model."""


def load_predictor(
    name_or_path: str | Path | ModelPackage, **options: Unpack[LoadOptions]
) -> Predictor:
    """A :class:`Predictor` for the model at ``name_or_path`` (or a package already opened)
    with ``options`` (tile_size ...).

    Tiling options left out (or ``None``) and the writer come from the recipe in the weights.
    """
    from i2i.model import load_translator
    from i2i.model_formats import ModelPackage
    from i2i.zoo.formats import open_model_package
    from i2i.zoo.loading import resolve_weights

    package = (  # a plugin's package (bioimage.io zip, ...)
        name_or_path if isinstance(name_or_path, ModelPackage) else open_model_package(name_or_path)
    )
    if package is not None:
        weights: Path | str = package.source
        model, metadata = package.model, dict(package.metadata)
    else:
        assert not isinstance(name_or_path, ModelPackage)
        weights = resolve_weights(name_or_path)
        model, metadata = load_translator(weights)
    contract = metadata.get("input_contract")
    if not isinstance(contract, dict):
        raise ContractError(
            f"{weights}: the file's metadata has no input contract, so i2i cannot tell how to "
            "prepare images for this model. Use weights written by 'i2i run' or exported with "
            "'i2i zoo export'."
        )
    section = recipe_predict_section(metadata)
    given = {key: value for key, value in options.items() if key in Tiling.model_fields}
    tiling = Tiling.from_fields(section, f"{weights}: the recipe's predict section")
    tiling = tiling.updated(given, "the tiling options")
    predictor_options = cast(
        PredictorOptions, {k: v for k, v in options.items() if k not in Tiling.model_fields}
    )
    predictor_options["writer"] = merged_writer(recipe_writer(section), options.get("writer"))
    return Predictor(
        model,
        InputContract.from_metadata(contract, str(weights)),
        tiling=tiling,
        domain=TrainingDomain.from_metadata(metadata.get(METADATA_KEY), str(weights)),
        **predictor_options,
    )


def recipe_predict_section(metadata: Mapping[str, object]) -> Mapping[str, object]:
    """The ``predict`` section of the recipe the weights carry (empty when there is none)."""
    recipe = metadata.get("recipe")
    section = recipe.get("predict") if isinstance(recipe, Mapping) else None
    return section if isinstance(section, Mapping) else {}


def recipe_writer(section: Mapping[str, object]) -> dict[str, object] | None:
    """The writer spec of a recipe's ``predict.writer`` (``{"name": ..., **params}``) or
    ``None``: chosen by the output's suffix."""
    spec = section.get("writer")
    return dict(spec) if isinstance(spec, Mapping) and "name" in spec else None


def merged_writer(recipe: Mapping[str, object] | None, given: WriterSpec) -> WriterSpec:
    """The predictor's writer: ``given`` (an option), updating the recipe's spec when ``given``
    is a spec of the same writer or names none (``{"zarr_format": 3}``), else replacing it."""
    if given is None or recipe is None:
        return given if given is not None else recipe
    if isinstance(given, Mapping) and given.get("name", recipe["name"]) == recipe["name"]:
        return {**recipe, **given}
    return given
