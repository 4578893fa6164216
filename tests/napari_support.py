"""Driving the napari plugin's Predict organelles widget in tests (tests/plugins/napari_i2i):
dock it as napari does, wait for its thread workers."""

from __future__ import annotations

from typing import Any

MODEL = "isl-phase-dapi-unet"
TIMEOUT_MS = 60_000
PLUGIN = "i2i-microscopy"


def dock_widget(viewer: Any, qtbot: Any) -> Any:
    """The widget as napari docks it from the manifest (Plugins > Predict organelles), once
    the chosen model has loaded."""
    from i2i_plugins.napari_i2i.widget import PredictWidget

    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Predict organelles")
    assert isinstance(widget, PredictWidget)
    wait_for_model(widget, qtbot)
    return widget


def wait_for_model(widget: Any, qtbot: Any) -> None:
    """Until the model chosen in ``widget`` has loaded (or failed to)."""
    qtbot.waitUntil(lambda: not widget.loading, timeout=TIMEOUT_MS)


def predict(widget: Any, qtbot: Any) -> None:
    """Press Predict and wait for the prediction's worker to finish."""
    widget.start()
    assert widget.running, widget.message.value
    qtbot.waitUntil(lambda: not widget.running, timeout=TIMEOUT_MS)


def use_model_file(widget: Any, qtbot: Any, path: Any) -> None:
    """Choose a weights file or package as the model and wait for it to load."""
    from i2i_plugins.napari_i2i.widget import FILE_CHOICE

    widget.model.value = FILE_CHOICE
    widget.weights.value = path
    wait_for_model(widget, qtbot)
    assert widget.loaded is not None, widget.message.value
