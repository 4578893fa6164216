"""The dock widgets: Predict organelles (a model, input layers, tiling; organelle layers out)
and Compare (a prediction layer against a real stain, the Light My Cells metrics).

The prediction runs in a napari thread worker (:func:`napari.qt.threading.create_worker`), so
the viewer stays responsive; the predictor's tile callback drives the progress bar and stops
the run when Cancel is pressed (:class:`~.job.PredictionCancelled`). The new layers are added
only once the whole prediction is done, so a cancelled or failed run leaves no half-made layer.
Errors are shown in the widget's message line, not as tracebacks.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import napari
import napari.layers
from magicgui.types import FileDialogMode
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    FloatSpinBox,
    Label,
    LineEdit,
    ProgressBar,
    PushButton,
    Select,
    SpinBox,
)
from napari.qt.threading import FunctionWorker, create_worker
from qtpy.QtCore import QObject, Signal

from i2i.errors import I2IError
from i2i.tiling import Tiling
from i2i_plugins.napari_i2i.job import (
    InputLayer,
    PredictionCancelled,
    PredictionRequest,
    model_input,
    parse_planes,
    pixel_size_note,
    run_prediction,
)
from i2i_plugins.napari_i2i.layers import layer_axes
from i2i_plugins.napari_i2i.models import (
    LOCAL_STATES,
    LoadedModel,
    ModelChoice,
    file_choice,
    load_model,
    zoo_choices,
)
from i2i_plugins.napari_i2i.reader import LayerData
from i2i_plugins.napari_i2i.scores import FieldScores, score_field

FILE_CHOICE = "weights file or run folder..."
TTA_CHOICES = {"off": False, "flips (4x)": "flip", "flips and rotations (8x)": "d4"}
DEVICES = ("auto", "cpu", "cuda", "mps")


class _TileSignal(QObject):
    """Carries (done, total) from the worker thread to the progress bar (a queued signal)."""

    tile = Signal(int, int)


class PredictWidget(Container):
    """Predict organelle channels from transmitted-light layers of ``viewer``."""

    def __init__(self, viewer: napari.viewer.Viewer):
        super().__init__(labels=True)
        self.viewer = viewer
        self._choices = {c.label: c for c in zoo_choices()}
        self.model = ComboBox(label="Model", choices=[*self._choices, FILE_CHOICE])
        self.weights = FileEdit(
            label="Weights",
            mode=FileDialogMode.EXISTING_FILE,
            filter="*.safetensors",
            visible=False,
        )
        self.card = Label(label="Card", value="")
        self.inputs = Select(label="Input layers", choices=self._input_names)
        self.planes = LineEdit(label="Planes", value="")
        self.tile_size = SpinBox(label="Tile size", min=16, max=8192, step=16, value=256)
        self.overlap = FloatSpinBox(label="Overlap", min=0.0, max=0.95, step=0.05, value=0.25)
        self.batch_size = SpinBox(label="Batch size", min=1, max=1024, value=4)
        self.rescale = CheckBox(label="Rescale to model pixel size", value=True)
        self.tta = ComboBox(label="Test-time augmentation", choices=list(TTA_CHOICES))
        self.device = ComboBox(label="Device", choices=list(DEVICES))
        self.predict_button = PushButton(text="Predict")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.progress = ProgressBar(label="Tiles", value=0, min=0, max=1)
        self.message = Label(label="", value="")
        self.extend(
            [
                self.model,
                self.weights,
                self.card,
                self.inputs,
                self.planes,
                self.tile_size,
                self.overlap,
                self.batch_size,
                self.rescale,
                self.tta,
                self.device,
                self.predict_button,
                self.cancel_button,
                self.progress,
                self.message,
            ]
        )
        self.loaded: LoadedModel | None = None
        self.worker: FunctionWorker | None = None
        self._cancel = threading.Event()
        self._tile_signal = _TileSignal()
        self._tile_signal.tile.connect(self._show_progress)
        self.model.changed.connect(self._model_changed)
        self.weights.changed.connect(self._model_changed)
        self.predict_button.changed.connect(self.start)
        self.cancel_button.changed.connect(self.cancel)
        for event in ("inserted", "removed", "reordered"):
            getattr(viewer.layers.events, event).connect(self._refresh_inputs)
        self._refresh_inputs()
        self._model_changed()

    # -- choices ----------------------------------------------------------------------------

    @property
    def choice(self) -> ModelChoice | None:
        """The chosen model, or None when a file is to be picked and none is."""
        if self.model.value != FILE_CHOICE:
            return self._choices[str(self.model.value)]
        path = self.weights.value
        if not isinstance(path, Path) or not path.exists():
            return None
        return file_choice(path)

    def _input_names(self, *_: object) -> list[str]:
        """The choices of the input list: the single-channel image layers."""
        return [layer.name for layer in self.viewer.layers if _is_input(layer)]

    def _refresh_inputs(self, *_: object) -> None:
        """Re-read the layer list (napari also does so for docked widgets); keep the choice."""
        self.inputs.reset_choices()
        if not self.inputs.value and self.inputs.choices:
            self.inputs.value = [self.inputs.choices[0]]

    def _model_changed(self, *_: object) -> None:
        self.weights.visible = self.model.value == FILE_CHOICE
        self.loaded = None
        choice = self.choice
        if choice is None:
            self._show_card("", "Pick a .safetensors weights file or a training run folder.")
            return
        if not choice.obtainable:
            self._show_card(_card_text(choice), choice.unavailable_message())
            return
        if choice.card is not None and choice.state not in LOCAL_STATES:
            size = choice.card.size / 1e6
            note = f"Predict downloads its weights ({size:.1f} MB) into i2i's cache first."
            self._show_card(_card_text(choice), note)
            return
        try:
            self.loaded = load_model(choice)
        except I2IError as exc:
            self._show_card(_card_text(choice), str(exc))
            return
        self._show_card(self.loaded.describe(), "")
        self._set_tiling(self.loaded.predictor.tiling)

    def _show_card(self, card: str, message: str) -> None:
        self.card.value = card
        self.message.value = message

    def _set_tiling(self, tiling: Tiling) -> None:
        self.tile_size.value = tiling.tile_size
        self.overlap.value = tiling.overlap
        self.batch_size.value = tiling.batch_size
        self.rescale.value = tiling.rescale

    # -- running ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a prediction is in progress."""
        return self.worker is not None

    def request(self) -> PredictionRequest:
        """The prediction the widget's fields describe."""
        layers = [_input_layer(self.viewer.layers[name]) for name in self._ordered_inputs()]
        base = self.loaded.predictor.tiling if self.loaded else Tiling()
        tiling = base.updated(
            {
                "tile_size": self.tile_size.value,
                "overlap": self.overlap.value,
                "batch_size": self.batch_size.value,
                "rescale": self.rescale.value,
            },
            "the widget's tiling",
        )
        tta = TTA_CHOICES[str(self.tta.value)]
        planes = parse_planes(self.planes.value)
        return PredictionRequest(layers, planes, tiling, tta, str(self.device.value))

    def _ordered_inputs(self) -> list[str]:
        """The chosen layers in the order of the layer list (top of the list last)."""
        chosen = set(self.inputs.value)
        return [layer.name for layer in self.viewer.layers if layer.name in chosen]

    def start(self) -> None:
        """Check the choices and start the prediction in a thread worker."""
        if self.running:
            return
        choice = self.choice
        try:
            if choice is None:
                raise _NoModel("Choose a model first (a zoo model, or a weights file).")
            if not choice.obtainable:
                raise _NoModel(choice.unavailable_message())
            request = self.request()
            if self.loaded is not None:
                model_input(request, self.loaded.contract)  # mismatches are told before running
        except I2IError as exc:
            self.message.value = str(exc)
            return
        self._cancel.clear()
        self.progress.value = 0
        self.message.value = "Predicting..."
        self.predict_button.enabled = False
        self.cancel_button.enabled = True
        worker = create_worker(
            self._predict, choice, request, _start_thread=False, _ignore_errors=True
        )
        worker.returned.connect(self._add_layers)
        worker.errored.connect(self._failed)
        worker.finished.connect(self._finished)
        self.worker = worker
        worker.start()

    def cancel(self) -> None:
        """Stop the running prediction after the current batch of tiles."""
        if self.running:
            self._cancel.set()
            self.message.value = "Cancelling..."

    def _predict(self, choice: ModelChoice, request: PredictionRequest) -> list[LayerData]:
        """The worker's job (in its thread): load the model if needed, then predict."""
        loaded = self.loaded if self.loaded is not None else load_model(choice)
        note = pixel_size_note(request.layers[0], loaded.contract, request.tiling.rescale)
        layers = run_prediction(loaded.predictor, request, loaded.output_names, self._on_tile)
        if note:
            layers[0][1]["metadata"]["i2i"]["note"] = note
        return layers

    def _on_tile(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise PredictionCancelled
        self._tile_signal.tile.emit(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.max = total
        self.progress.value = done

    def _add_layers(self, layers: list[LayerData]) -> None:
        for data, attributes, _ in layers:
            self.viewer.add_image(data, **attributes)
        names = ", ".join(str(attributes["name"]) for _, attributes, _ in layers)
        note = layers[0][1]["metadata"]["i2i"].get("note", "") if layers else ""
        self.message.value = f"Added {names}. {note}".strip()

    def _failed(self, error: Exception) -> None:
        if isinstance(error, PredictionCancelled):
            self.message.value = "Cancelled; no layer was added."
        elif isinstance(error, I2IError):
            self.message.value = str(error)
        else:
            self.message.value = f"Prediction failed: {type(error).__name__}: {error}"

    def _finished(self) -> None:
        self.worker = None
        self.predict_button.enabled = True
        self.cancel_button.enabled = False


class _NoModel(I2IError):
    """No usable model is chosen."""


def _card_text(choice: ModelChoice) -> str:
    card = choice.card
    if card is None:
        return ""
    size = f"{card.pixel_size_um:g} µm" if card.pixel_size_um else "not recorded"
    return (
        f"Predicts: {', '.join(card.organelles)}\nModality: {', '.join(card.input.modality)}\n"
        f"Input: {'; '.join(card.input.channels)}\nPixel size: {size}"
    )


def _is_input(layer: napari.layers.Layer) -> bool:
    return isinstance(layer, napari.layers.Image) and not layer.rgb


def _input_layer(layer: napari.layers.Image) -> InputLayer:
    data: Any = layer.data
    return InputLayer(
        name=layer.name,
        data=data,
        axes=layer_axes(layer.ndim, layer.metadata),
        scale=[float(s) for s in layer.scale],
        translate=[float(t) for t in layer.translate],
    )


class CompareWidget(Container):
    """The Light My Cells metrics of a prediction layer against a real-stain layer."""

    def __init__(self, viewer: napari.viewer.Viewer):
        super().__init__(labels=True)
        self.viewer = viewer
        self.prediction = ComboBox(label="Prediction", choices=self._layer_names)
        self.target = ComboBox(label="Real stain", choices=self._layer_names)
        self.compare_button = PushButton(text="Compare")
        self.scores = Label(label="Metrics", value="")
        self.message = Label(label="", value="")
        self.extend([self.prediction, self.target, self.compare_button, self.scores, self.message])
        self.compare_button.changed.connect(self.compare)
        for event in ("inserted", "removed", "reordered"):
            getattr(viewer.layers.events, event).connect(self.reset_choices)

    def _layer_names(self, *_: object) -> list[str]:
        return [layer.name for layer in self.viewer.layers if _is_input(layer)]

    def compare(self) -> FieldScores | None:
        """Score the chosen layers and show the metrics (or why they cannot be scored)."""
        if self.prediction.value is None or self.target.value is None:
            self.message.value = "Choose a prediction layer and a real-stain layer."
            return None
        names = (str(self.prediction.value), str(self.target.value))
        prediction, target = (self.viewer.layers[name] for name in names)
        try:
            scores = score_field(prediction.data, target.data, names=names)
        except I2IError as exc:
            self.scores.value, self.message.value = "", str(exc)
            return None
        self.scores.value = "\n".join(scores.lines())
        planes = f" (mean of {scores.planes} planes)" if scores.planes > 1 else ""
        self.message.value = f"{names[0]} against {names[1]}{planes}, normalised p2-p99.8."
        return scores
