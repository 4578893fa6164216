"""The generic reader: any format an installed bioio plugin reads (https://bioio-devs.github.io).

bioio chooses the plugin by extension and content (``BioImage.determine_plugin``), so a
user who installs bioio-czi, bioio-nd2, bioio-lif or bioio-bioformats reads CZI, ND2, LIF or
any Bio-Formats file in i2i with no further code. Regions are read from bioio's dask array of
the first scene, which the plugins build chunk by chunk, so reads stay lazy.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from i2i.image import ArrayImage, ImageError, PixelSizes
from i2i_plugins.image_formats.axes import axes_image


def bioio_plugin_for(path: Path) -> str | None:
    """The name of the installed bioio plugin that reads ``path``, or ``None``."""
    from bioio import BioImage

    logging.getLogger("bioio").setLevel(logging.ERROR)  # its per-plugin attempts are noise here
    try:
        return str(BioImage.determine_plugin(path).entrypoint.name)
    except Exception:  # bioio raises several types when no plugin fits
        return None


def open_bioio(path: Path) -> ArrayImage:
    """The first scene of ``path`` through the bioio plugin that reads it."""
    from bioio import BioImage

    plugin = bioio_plugin_for(path)
    if plugin is None:
        raise ImageError(
            f"{path}: no installed bioio plugin reads this file. Install the one for its "
            "format (see 'i2i info' errors or https://github.com/bioio-devs/bioio)."
        )
    try:
        image = BioImage(path)
        array = image.dask_data
        axes = image.dims.order
        names = [str(n) for n in image.channel_names]
        sizes = image.physical_pixel_sizes
        interval = image.time_interval
    except Exception as exc:
        raise ImageError(
            f"{path}: bioio plugin {plugin!r} failed to open it ({type(exc).__name__}: {exc}). "
            "The file is corrupt, or the plugin does not support this variant of the format."
        ) from exc
    return axes_image(
        path,
        f"bioio[{plugin}]",
        array,
        axes,
        names,
        PixelSizes(
            _positive(sizes.Z),
            _positive(sizes.Y),
            _positive(sizes.X),
            t=_seconds(interval),
        ),
        materialize=_compute,
    )


def _compute(block: Any) -> Any:
    import numpy as np

    return np.asarray(block.compute())


def _seconds(interval: Any) -> float | None:
    """bioio's time interval in seconds: plugins give a ``timedelta`` (the declared type) or a
    number (bioio-ome-zarr: the t scale in the file's unit, NGFF files use seconds), or
    ``None``."""
    total_seconds = getattr(interval, "total_seconds", None)
    return _positive(total_seconds() if total_seconds is not None else interval)


def _positive(value: float | None) -> float | None:
    return float(value) if value is not None and value > 0 else None
