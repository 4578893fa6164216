"""Channel names, physical pixel sizes and the time increment from OME-XML (2016-06 schema).

Reference: https://docs.openmicroscopy.org/ome-model/latest/ — ``Image/Pixels`` carries
``PhysicalSize{X,Y,Z}`` with ``PhysicalSize{X,Y,Z}Unit`` (default µm), ``TimeIncrement`` with
``TimeIncrementUnit`` (default s) and one ``Channel`` element per channel with an optional
``Name``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from i2i.image import ImageError, PixelSizes
from i2i_plugins.image_formats.units import to_micrometres, to_seconds


def parse_ome_xml(xml: str, path: Path, image_index: int = 0) -> tuple[list[str], PixelSizes]:
    """The channel names and pixel sizes of the ``image_index``-th ``Image`` of an OME-XML text.

    A channel without ``Name`` is called by its ``ID`` (as bioio does), else ``C<i>``.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ImageError(
            f"{path}: its OME-XML metadata is not well-formed XML ({exc}); the file is corrupt "
            "or was edited by hand. Open it with the 'tiff' reader to read the pixels only."
        ) from exc
    images = root.findall("{*}Image")
    if len(images) <= image_index:
        raise ImageError(f"{path}: its OME-XML describes {len(images)} image(s), none to read.")
    pixels = images[image_index].find("{*}Pixels")
    if pixels is None:
        raise ImageError(f"{path}: its OME-XML image has no Pixels element; the file is corrupt.")
    channels = pixels.findall("{*}Channel")
    names = [ch.get("Name") or ch.get("ID") or f"C{i}" for i, ch in enumerate(channels)]
    z, y, x = (_physical_size(pixels, axis) for axis in "ZYX")
    time = to_seconds(pixels.get("TimeIncrement"), pixels.get("TimeIncrementUnit", "s"))
    return names, PixelSizes(z, y, x, t=time)


def _physical_size(pixels: ET.Element, axis: str) -> float | None:
    return to_micrometres(
        pixels.get(f"PhysicalSize{axis}"), pixels.get(f"PhysicalSize{axis}Unit", "µm")
    )
