"""Which models the widget offers, and what their cards say (no napari import).

The choices are every card of the zoo (:func:`i2i.zoo.load_manifest`) with where its weights
are (bundled, cached, to download, or not obtainable yet and how to get them), and a weights
file, training run folder or model package (a bioimage.io ``.zip``, its folder or its
``rdf.yaml``) the user picks. A chosen model is loaded once
(:func:`i2i.prediction.load_predictor`, which hands packages to the plugins implementing the
core hook ``i2i_open_model_package``): its input contract and its recipe's tiling are what the
widget shows and starts from. A package's card is the one it carries (the zoo card
``i2i zoo export`` wrote into it, :attr:`i2i.model_formats.ModelPackage.card`), shown as a zoo
model's card is (both as a :class:`~i2i.model_formats.PackageCard`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from i2i.contract import InputContract
from i2i.model_formats import PackageCard
from i2i.prediction import Predictor, load_predictor
from i2i.zoo import ModelCard, cache_state, load_manifest
from i2i.zoo.formats import open_model_package
from i2i.zoo.loading import RUN_FOLDER_WEIGHTS

LOCAL_STATES = ("bundled", "yes")
"""``cache_state`` values of zoo models whose weights are on this machine."""

MODEL_FILE_FILTER = "Models (*.safetensors *.zip rdf.yaml bioimageio.yaml)"
"""The file chooser's filter: i2i weights, and bioimage.io packages (zip or description)."""


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the model list: a zoo card, or a weights file / run folder."""

    name_or_path: str
    card: ModelCard | None = None
    state: str = "file"
    """``cache_state`` of a zoo model (bundled, yes, partly, no, -), or ``file``."""

    @property
    def label(self) -> str:
        """The text shown in the list."""
        where = {
            "bundled": "bundled",
            "yes": "cached",
            "partly": "download",
            "no": "download",
            "file": "file",
        }
        if self.card is not None and self.card.status != "available":
            return f"{self.name_or_path} ({self.card.status})"
        return f"{self.name_or_path} ({where.get(self.state, self.state)})"

    @property
    def obtainable(self) -> bool:
        """Whether weights exist or can be downloaded."""
        return self.card is None or self.card.status == "available"

    @property
    def is_package(self) -> bool:
        """Whether a chosen file is a model package (neither i2i weights nor a run folder),
        which i2i's plugins open (``i2i_open_model_package``)."""
        if self.card is not None:
            return False
        path = Path(self.name_or_path)
        if path.suffix == ".safetensors":
            return False
        return not (path.is_dir() and any((path / n).is_file() for n in RUN_FOLDER_WEIGHTS))

    def unavailable_message(self) -> str:
        """Why this model cannot be used, and how to get it (its card's ``source``)."""
        assert self.card is not None
        return (
            f"{self.card.name} has no weights to download yet ({self.card.status}). "
            f"{self.card.source}"
        )


def zoo_choices() -> list[ModelChoice]:
    """Every zoo model, those on this machine first, then those to download, then the rest."""
    entries = load_manifest().values()
    choices = [ModelChoice(e.card.name, e.card, cache_state(e)) for e in entries]
    rank = {"bundled": 0, "yes": 0, "partly": 1, "no": 1}
    return sorted(choices, key=lambda c: (rank.get(c.state, 2), c.name_or_path))


def file_choice(path: str | Path) -> ModelChoice:
    """A weights file, run folder or model package as a model choice."""
    return ModelChoice(str(Path(path).expanduser()))


@dataclass(frozen=True)
class LoadedModel:
    """A chosen model, loaded: the predictor with the recipe's defaults, and its card."""

    choice: ModelChoice
    predictor: Predictor
    package_card: PackageCard | None = None
    """The card a model package carries (a zoo model's card is its choice's)."""

    @property
    def card(self) -> PackageCard | None:
        """The model's card: its zoo entry's, or the one its package carries."""
        if self.choice.card is not None:
            return self.choice.card.facts()
        return self.package_card

    @property
    def contract(self) -> InputContract:
        """The model's input contract."""
        return self.predictor.contract

    @property
    def output_names(self) -> list[str]:
        """Layer names of the outputs: the card's organelles, else the contract's channels."""
        card, channels = self.card, self.contract.output_channels
        if card is not None and len(card.organelles) == len(channels):
            return list(card.organelles)
        return list(channels)

    def describe(self) -> str:
        """The model card in a few lines: organelles, modality, inputs, pixel size, licence,
        citation and a package's authors (those known)."""
        card, contract = self.card, self.contract
        package = Path(self.choice.name_or_path).name if self.choice.is_package else None
        lines = [f"Package: {package}"] if package else []
        lines.append(f"Predicts: {', '.join(self.output_names)}")
        if card is not None:
            lines.append(f"Modality: {', '.join(card.modality)}")
            lines.append(f"Input: {'; '.join(card.input_channels)}")
        lines.append(f"Expects: {describe_inputs(contract)}")
        size = contract.pixel_size_um
        lines.append(f"Pixel size: {f'{size:g} µm' if size else 'not recorded'}")
        if card is not None:
            lines.append(f"Licence: {card.licence}")
            if card.citation:
                lines.append(f"Citation: {card.citation}")
            if card.authors:
                lines.append(f"Authors: {', '.join(card.authors)}")
        return "\n".join(lines)


def load_model(choice: ModelChoice) -> LoadedModel:
    """Load (downloading a zoo model when needed) ``choice`` on the CPU with its defaults; a
    package is opened once, for its model and its card."""
    package = open_model_package(choice.name_or_path) if choice.is_package else None
    predictor = load_predictor(package or choice.name_or_path, device="cpu")
    return LoadedModel(choice, predictor, package.card if package is not None else None)


def describe_inputs(contract: InputContract) -> str:
    """What the model reads, in words: its channels and z-planes."""
    channels = contract.input_channels
    what = "its channel(s)" if channels is None else f"channels {', '.join(map(str, channels))}"
    if isinstance(contract.z_planes, list):
        count = len(contract.z_planes)
        return f"z-planes {_ranges(contract.z_planes)} ({count} planes) of {what}"
    if contract.z_planes == "middle":
        return f"the middle z-plane of {what}"
    return f"{what}, each z-plane on its own"


def _ranges(planes: list[int]) -> str:
    if planes == list(range(planes[0], planes[0] + len(planes))):
        return f"{planes[0]}-{planes[-1]}"
    return ", ".join(map(str, planes))
