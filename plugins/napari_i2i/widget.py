"""The dock widgets: Predict organelles (a model, input layers, tiling; organelle layers out)
and Compare (a prediction layer against a real stain, the Light My Cells metrics), and the
sample data commands (their download progress in the viewer's activity panel).

Loading the chosen model, the prediction and the comparison run in napari thread workers
(:func:`napari.qt.threading.create_worker`), so the viewer stays responsive; a busy bar shows
while a model loads or a comparison runs. The predictor's tile callback drives the progress bar
and stops the run when Cancel is pressed (:class:`~.job.PredictionCancelled`). The new layers
are added only once the whole prediction is done, so a cancelled or failed run leaves no
half-made layer. An input pixel size far from the model's is asked about before the run (inline
"Rescale and run" / "Run as is" buttons, no modal dialog). Errors are shown in the widget's
message line, not as tracebacks.
"""

from __future__ import annotations

import threading
from contextlib import suppress
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
from napari.utils import progress
from qtpy.QtCore import QObject, Signal
from qtpy.QtWidgets import QSizePolicy

from i2i.errors import I2IError
from i2i.prediction.tta import TTAMode
from i2i.tiling import Tiling
from i2i_plugins.napari_i2i.job import (
    InputLayer,
    PredictionCancelled,
    PredictionRequest,
    input_notes,
    model_input,
    parse_planes,
    parse_time_point,
    run_prediction,
)
from i2i_plugins.napari_i2i.layers import layer_axes
from i2i_plugins.napari_i2i.models import (
    LOCAL_STATES,
    MODEL_FILE_FILTER,
    LoadedModel,
    ModelChoice,
    file_choice,
    load_model,
    zoo_choices,
)
from i2i_plugins.napari_i2i.pixel_size import pixel_size_mismatch, pixel_size_note
from i2i_plugins.napari_i2i.reader import LayerData
from i2i_plugins.napari_i2i.samples import fetch_isl, isl_dapi, isl_phase_stack
from i2i_plugins.napari_i2i.scores import FieldScores, score_field

FILE_CHOICE = "weights file, run folder or bioimage.io package..."
TTA_CHOICES: dict[str, bool | TTAMode] = {
    "off": False,
    "flips (4x)": "flip",
    "flips and rotations (8x)": "d4",
}
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
            label="Model file",
            mode=FileDialogMode.EXISTING_FILE,
            filter=MODEL_FILE_FILTER,
            visible=False,
        )
        self.card = Label(label="Card", value="")
        self.card.native.setWordWrap(True)  # a citation is one long line: wrapped to the
        self.card.native.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # dock
        self.inputs = Select(label="Input layers", choices=self._input_names)
        self.planes = LineEdit(label="Planes", value="")
        self.time_point = LineEdit(label="Time point", value="", visible=False)
        self.channels = LineEdit(label="Channels", value="", visible=False)
        self.tile_size = SpinBox(label="Tile size", min=16, max=8192, step=16, value=256)
        self.overlap = FloatSpinBox(label="Overlap", min=0.0, max=0.95, step=0.05, value=0.25)
        self.batch_size = SpinBox(label="Batch size", min=1, max=1024, value=4)
        self.rescale = CheckBox(label="Rescale to model pixel size", value=True)
        self.tta = ComboBox(label="Test-time augmentation", choices=list(TTA_CHOICES))
        self.device = ComboBox(label="Device", choices=list(DEVICES))
        self.predict_button = PushButton(text="Predict")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.rescale_and_run = PushButton(text="Rescale and run")
        self.run_as_is = PushButton(text="Run as is")
        self.pixel_size_prompt = Container(
            widgets=[self.rescale_and_run, self.run_as_is],
            layout="horizontal",
            labels=False,
            label="",
            visible=False,
        )
        self.busy = ProgressBar(label="Loading", value=0, min=0, max=0, visible=False)
        self.progress = ProgressBar(label="Tiles", value=0, min=0, max=1)
        self.message = Label(label="", value="")
        self.extend(
            [
                self.model,
                self.weights,
                self.card,
                self.inputs,
                self.planes,
                self.time_point,
                self.channels,
                self.tile_size,
                self.overlap,
                self.batch_size,
                self.rescale,
                self.tta,
                self.device,
                self.predict_button,
                self.cancel_button,
                self.busy,
                self.progress,
                self.message,
                self.pixel_size_prompt,
            ]
        )
        self.loaded: LoadedModel | None = None
        self.worker: FunctionWorker | None = None
        self._loaders: set[FunctionWorker] = set()
        self._note = ""
        self._cancel = threading.Event()
        self._tile_signal = _TileSignal()
        self._tile_signal.tile.connect(self._show_progress)
        self.model.changed.connect(self._model_changed)
        self.weights.changed.connect(self._model_changed)
        self.inputs.changed.connect(self._show_axis_fields)
        self.predict_button.changed.connect(lambda: self.start())
        self.cancel_button.changed.connect(self.cancel)
        self.rescale_and_run.changed.connect(self._rescale_and_run)
        self.run_as_is.changed.connect(self._run_as_is)
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
        """The choices of the input list: the image layers (RGB ones included)."""
        return [layer.name for layer in self.viewer.layers if _is_image(layer)]

    def _refresh_inputs(self, *_: object) -> None:
        """Re-read the layer list (napari also does so for docked widgets); keep the choice."""
        self.inputs.reset_choices()
        if not self.inputs.value and self.inputs.choices:
            self.inputs.value = [self.inputs.choices[0]]
        self._show_axis_fields()

    def _show_axis_fields(self, *_: object) -> None:
        """'Time point' and 'Channels' show when a chosen layer has a T or a C axis."""
        axes = self._chosen_axes()
        self.time_point.visible = "T" in axes
        self.channels.visible = "C" in axes

    def _chosen_axes(self) -> set[str]:
        """The dims of the chosen layers (none for a layer i2i cannot take)."""
        axes: set[str] = set()
        for name in self._ordered_inputs():
            layer = self.viewer.layers[name]
            with suppress(I2IError):
                axes.update(layer_axes(layer.ndim, layer.metadata, layer.name))
        return axes

    def _model_changed(self, *_: object) -> None:
        self.weights.visible = self.model.value == FILE_CHOICE
        self.loaded = None
        self.pixel_size_prompt.visible = False
        choice = self.choice
        if choice is None:
            message = "Pick a .safetensors weights file, a training run folder or a bioimage.io "
            self._show_card("", message + "package (.zip, its folder or its rdf.yaml).")
            return
        if not choice.obtainable:
            self._show_card(_card_text(choice), choice.unavailable_message())
            return
        if choice.card is not None and choice.state not in LOCAL_STATES:
            size = choice.card.size / 1e6
            note = f"Predict downloads its weights ({size:.1f} MB) into i2i's cache first."
            self._show_card(_card_text(choice), note)
            return
        self._show_card(_card_text(choice), "Loading the model...")
        worker = create_worker(load_model, choice, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._model_loaded)
        worker.errored.connect(lambda error: self._model_failed(choice, error))
        worker.finished.connect(lambda: self._loader_done(worker))
        self._loaders.add(worker)
        self._show_busy()
        worker.start()

    @property
    def loading(self) -> bool:
        """Whether a chosen model is being loaded (in a thread worker)."""
        return bool(self._loaders)

    def _model_loaded(self, loaded: LoadedModel) -> None:
        if loaded.choice != self.choice:
            return  # another model was chosen meanwhile
        self.loaded = loaded
        self._show_card(loaded.describe(), "")
        self._set_tiling(loaded.predictor.tiling)

    def _model_failed(self, choice: ModelChoice, error: Exception) -> None:
        if choice == self.choice:
            self._show_card(_card_text(choice), _error_text(error, "Loading the model failed"))

    def _loader_done(self, worker: FunctionWorker) -> None:
        self._loaders.discard(worker)
        self._show_busy()

    def _show_busy(self) -> None:
        self.busy.visible = self.loading
        self.predict_button.enabled = not self.loading and not self.running

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
        axes = self._chosen_axes()  # a hidden field's text is not used
        return PredictionRequest(
            layers,
            parse_planes(self.planes.value),
            tiling,
            TTA_CHOICES[str(self.tta.value)],
            str(self.device.value),
            time_point=parse_time_point(self.time_point.value) if "T" in axes else None,
            channels=parse_planes(self.channels.value, "channels") if "C" in axes else None,
        )

    def _ordered_inputs(self) -> list[str]:
        """The chosen layers in the order of the layer list (top of the list last)."""
        chosen = set(self.inputs.value)
        return [layer.name for layer in self.viewer.layers if layer.name in chosen]

    def start(self, confirmed: bool = False) -> None:
        """Check the choices and start the prediction in a thread worker.

        An input pixel size far from the model's, with 'rescale' off, first asks whether to
        rescale (:attr:`pixel_size_prompt`); ``confirmed`` runs without asking.
        """
        if self.running:
            return
        self.pixel_size_prompt.visible = False
        choice = self.choice
        try:
            if self.loading:
                raise _NoModel("The model is still loading; press Predict once its card shows.")
            if choice is None:
                raise _NoModel("Choose a model first (a zoo model, or a model file).")
            if not choice.obtainable:
                raise _NoModel(choice.unavailable_message())
            request = self.request()
            notes = []
            if self.loaded is not None:
                model_input(request, self.loaded.contract)  # mismatches are told before running
                notes = input_notes(request, self.loaded.contract)
        except I2IError as exc:
            self.message.value = str(exc)
            return
        target = self._model_pixel_size(choice)
        mismatch = pixel_size_mismatch(request.layers[0], target)
        if mismatch is not None and not request.tiling.rescale and not confirmed:
            self.message.value = mismatch.question()
            self.pixel_size_prompt.visible = True
            return
        note = pixel_size_note(request.layers[0], target, request.tiling.rescale)
        self._note = " ".join([*notes, *([note] if note else [])])
        self._launch(choice, request)

    def _model_pixel_size(self, choice: ModelChoice) -> float | None:
        """The model's training pixel size: its contract's, or its card's before download."""
        if self.loaded is not None:
            return self.loaded.contract.pixel_size_um
        return choice.card.pixel_size_um if choice.card is not None else None

    def _rescale_and_run(self) -> None:
        self.rescale.value = True
        self.start(confirmed=True)

    def _run_as_is(self) -> None:
        self.start(confirmed=True)

    def _launch(self, choice: ModelChoice, request: PredictionRequest) -> None:
        self._cancel.clear()
        self.progress.value = 0
        self.message.value = f"Predicting... {self._note}".strip()
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
        return run_prediction(loaded.predictor, request, loaded.output_names, self._on_tile)

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
        self.message.value = f"Added {names}. {self._note}".strip()

    def _failed(self, error: Exception) -> None:
        if isinstance(error, PredictionCancelled):
            self.message.value = "Cancelled; no layer was added."
        else:
            self.message.value = _error_text(error, "Prediction failed")

    def _finished(self) -> None:
        self.worker = None
        self.cancel_button.enabled = False
        self._show_busy()


class _NoModel(I2IError):
    """No usable model is chosen."""


def _error_text(error: Exception, what: str) -> str:
    """An i2i error's own message; another exception named, for the message line."""
    if isinstance(error, I2IError):
        return str(error)
    return f"{what}: {type(error).__name__}: {error}"


def _card_text(choice: ModelChoice) -> str:
    card = choice.card
    if card is None:
        return ""
    size = f"{card.pixel_size_um:g} µm" if card.pixel_size_um else "not recorded"
    return (
        f"Predicts: {', '.join(card.organelles)}\nModality: {', '.join(card.input.modality)}\n"
        f"Input: {'; '.join(card.input.channels)}\nPixel size: {size}"
    )


def _is_image(layer: napari.layers.Layer) -> bool:
    return isinstance(layer, napari.layers.Image)


def _is_grey_image(layer: napari.layers.Layer) -> bool:
    return _is_image(layer) and not layer.rgb


def _input_layer(layer: napari.layers.Image) -> InputLayer:
    data: Any = layer.data
    return InputLayer(
        name=layer.name,
        data=data,
        axes=layer_axes(layer.ndim, layer.metadata, layer.name),
        scale=[float(s) for s in layer.scale],
        translate=[float(t) for t in layer.translate],
        units=[str(unit) for unit in layer.units],
        rgb=bool(layer.rgb),
    )


class CompareWidget(Container):
    """The Light My Cells metrics of a prediction layer against a real-stain layer.

    The scoring runs in a thread worker (a busy bar shows meanwhile); :attr:`result` holds the
    last scores.
    """

    def __init__(self, viewer: napari.viewer.Viewer):
        super().__init__(labels=True)
        self.viewer = viewer
        self.prediction = ComboBox(label="Prediction", choices=self._layer_names)
        self.target = ComboBox(label="Real stain", choices=self._layer_names)
        self.compare_button = PushButton(text="Compare")
        self.busy = ProgressBar(label="Scoring", value=0, min=0, max=0, visible=False)
        self.scores = Label(label="Metrics", value="")
        self.message = Label(label="", value="")
        self.extend(
            [
                self.prediction,
                self.target,
                self.compare_button,
                self.busy,
                self.scores,
                self.message,
            ]
        )
        self.result: FieldScores | None = None
        self.worker: FunctionWorker | None = None
        self.compare_button.changed.connect(self.compare)
        for event in ("inserted", "removed", "reordered"):
            getattr(viewer.layers.events, event).connect(self.reset_choices)

    def _layer_names(self, *_: object) -> list[str]:
        return [layer.name for layer in self.viewer.layers if _is_grey_image(layer)]

    @property
    def running(self) -> bool:
        """Whether a comparison is in progress."""
        return self.worker is not None

    def compare(self) -> None:
        """Score the chosen layers in a thread worker; the metrics (or why they cannot be
        scored) show when it is done."""
        if self.running:
            return
        self.result = None
        if self.prediction.value is None or self.target.value is None:
            self.message.value = "Choose a prediction layer and a real-stain layer."
            return
        names = (str(self.prediction.value), str(self.target.value))
        prediction, target = (self.viewer.layers[name] for name in names)
        self.scores.value, self.message.value = "", f"Scoring {names[0]} against {names[1]}..."
        worker = create_worker(
            score_field,
            prediction.data,
            target.data,
            names=names,
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.returned.connect(lambda scores: self._show_scores(scores, names))
        worker.errored.connect(self._failed)
        worker.finished.connect(self._finished)
        self.worker = worker
        self.compare_button.enabled, self.busy.visible = False, True
        worker.start()

    def _show_scores(self, scores: FieldScores, names: tuple[str, str]) -> None:
        self.result = scores
        self.scores.value = "\n".join(scores.lines())
        planes = f" (mean of {scores.planes} planes)" if scores.planes > 1 else ""
        self.message.value = f"{names[0]} against {names[1]}{planes}, normalised p2-p99.8."

    def _failed(self, error: Exception) -> None:
        self.message.value = _error_text(error, "Comparing failed")

    def _finished(self) -> None:
        self.worker = None
        self.compare_button.enabled, self.busy.visible = True, False


def isl_phase_sample() -> list[LayerData]:
    """File > Open Sample > ISL phase contrast: fetched with progress in the viewer."""
    return isl_phase_stack(_fetch_isl_with_progress())


def isl_dapi_sample() -> list[LayerData]:
    """File > Open Sample > ISL DAPI: fetched with progress in the viewer."""
    return isl_dapi(_fetch_isl_with_progress())


def _fetch_isl_with_progress() -> Path:
    """The verified ISL sample folder; a napari progress bar counts the bytes of each file
    downloaded (its description says which file, of how many)."""

    with progress(total=0, desc="ISL sample: verifying the cached files") as bar:

        def on_bytes(what: str, done: int, total: int) -> None:
            if done == 0:  # a file's download starts (or starts again)
                bar.set_description(f"ISL sample, {what}")
                bar.total = total
            bar.update(done - bar.n)

        return fetch_isl(on_bytes)
