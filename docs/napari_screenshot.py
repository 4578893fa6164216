"""Take docs/images/napari_isl.png: the ISL phase input, predicted DAPI and real DAPI in napari.

Run from the repository root, headless (an X server for OpenGL, e.g. under ``xvfb-run``):

    QT_QPA_PLATFORM=offscreen xvfb-run -a python docs/napari_screenshot.py

It opens the ISL sample through the plugin's sample data (``I2I_DATA_BASE_URL`` may name a
mirror), runs the Predict organelles widget with the bundled model exactly as a user would,
and saves a screenshot of the three layers side by side (napari's grid view).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import napari
from qtpy.QtWidgets import QApplication

from i2i_plugins.napari_i2i.widget import PredictWidget

PLUGIN = "i2i-microscopy"
OUT = Path(__file__).resolve().parent / "images" / "napari_isl.png"


def main(out: Path = OUT, crop: int = 1024, size: tuple[int, int] = (1600, 720)) -> Path:
    """Predict the sample (its top-left ``crop`` x ``crop`` pixels) and save the screenshot."""
    viewer = napari.Viewer(show=False)
    viewer.window.resize(*size)
    (phase,) = viewer.open_sample(PLUGIN, "isl_phase")
    (dapi,) = viewer.open_sample(PLUGIN, "isl_dapi")
    phase.data, dapi.data = phase.data[:, :crop, :crop], dapi.data[:crop, :crop]
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Predict organelles")
    assert isinstance(widget, PredictWidget)
    wait(lambda: widget.loading)  # the model loads in a thread worker
    widget.inputs.value = [phase.name]
    widget.start()
    wait(lambda: widget.running)
    if "nucleus" not in viewer.layers:
        raise SystemExit(f"the prediction failed: {widget.message.value}")
    viewer.layers.move(viewer.layers.index(dapi), len(viewer.layers))  # phase, nucleus, DAPI
    viewer.dims.set_point(0, phase.data.shape[0] // 2)  # the middle phase plane
    grid = viewer.canvas.grid if hasattr(viewer, "canvas") else viewer.grid  # napari 0.9 moved it
    grid.enabled = True
    grid.shape = (1, 3)
    viewer.reset_view()
    out.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(out), canvas_only=False)
    viewer.close()
    return out


def wait(busy: Callable[[], bool]) -> None:
    """Run Qt's event loop until ``busy()`` is false (a worker finished)."""
    while busy():
        QApplication.processEvents()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--crop", type=int, default=1024)
    arguments = parser.parse_args()
    print(main(arguments.out, arguments.crop))
