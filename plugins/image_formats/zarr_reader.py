"""OME-Zarr reader (OME-NGFF 0.4 on zarr v2 and 0.5 on zarr v3), on zarr-python.

References: https://ngff.openmicroscopy.org/0.4/ and https://ngff.openmicroscopy.org/0.5/.
The image metadata sits in the root group's attributes: ``multiscales`` (0.4) or
``ome.multiscales`` (0.5), with ``axes`` (name, type, unit), ``datasets`` (one array per
resolution level, level 0 first, each with a ``scale`` transform) and ``omero.channels``
(labels). A bioformats2raw layout (the image in series ``0``) is followed. Level 0 is read
directly with zarr, so a region read touches only the chunks that cross it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from i2i.image import ArrayImage, ImageError, PixelSizes
from i2i_plugins.image_formats.axes import axes_image
from i2i_plugins.image_formats.units import to_micrometres, to_seconds


def find_ngff_image(path: Path) -> tuple[Path, dict[str, Any]] | None:
    """The group holding the NGFF image at ``path`` and its attributes (``None`` if none).

    Version 0.5 attributes are unwrapped from their ``ome`` key; a bioformats2raw root is
    followed to its series ``0``.
    """
    import json

    for name in ("zarr.json", ".zattrs"):
        meta = path / name
        if not meta.is_file():
            continue
        attrs = json.loads(meta.read_text(encoding="utf-8"))
        attrs = attrs.get("attributes", {}) if name == "zarr.json" else attrs
        attrs = attrs.get("ome", attrs)
        if "multiscales" in attrs:
            return path, dict(attrs)
        if "bioformats2raw.layout" in attrs and path.joinpath("0").is_dir():
            return find_ngff_image(path / "0")
    return None


def is_ome_zarr(path: Path) -> bool:
    """Whether ``path`` is a folder holding an OME-Zarr image (NGFF multiscales metadata)."""
    try:
        return path.is_dir() and find_ngff_image(path) is not None
    except (OSError, ValueError):
        return False


def open_ome_zarr(path: Path) -> ArrayImage:
    """The full-resolution level of the OME-Zarr image at ``path``, read lazily."""
    import zarr

    try:
        found = find_ngff_image(path)
    except (OSError, ValueError) as exc:
        raise ImageError(
            f"{path}: its zarr metadata cannot be read ({exc}); it is corrupt."
        ) from exc
    if found is None:
        raise ImageError(
            f"{path}: not an OME-Zarr image (no NGFF 'multiscales' metadata in its .zattrs or "
            "zarr.json). Plain zarr arrays are not images: write them with i2i.io.write_image."
        )
    root, attrs = found
    multiscale = attrs["multiscales"][0]
    level0 = multiscale["datasets"][0]
    try:
        array = zarr.open_array(str(root / level0["path"]), mode="r")
    except Exception as exc:
        raise ImageError(
            f"{path}: its full-resolution array {level0['path']!r} cannot be opened "
            f"({type(exc).__name__}: {exc}); the OME-Zarr is incomplete or corrupt."
        ) from exc
    axes = multiscale.get("axes") or [{"name": n} for n in "tczyx"[-array.ndim :]]
    letters = "".join(_axis_name(a).upper() for a in axes)
    names = [str(c.get("label", f"C{i}")) for i, c in enumerate(_omero_channels(attrs))]
    return axes_image(path, "ome_zarr", array, letters, names or None, _pixel_sizes(multiscale))


def _axis_name(axis: dict[str, Any] | str) -> str:
    return axis if isinstance(axis, str) else str(axis["name"])


def _omero_channels(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return list(attrs.get("omero", {}).get("channels", []))


def _pixel_sizes(multiscale: dict[str, Any]) -> PixelSizes:
    """Z, Y, X sizes in µm and the T step in seconds from level 0's scale (times the
    multiscale's own scale, if any).

    A space or time axis without a ``unit`` has no physical size: its scale is in pixels or
    frames.
    """
    axes = multiscale.get("axes") or []
    scale = [1.0] * len(axes)
    transforms = list(multiscale.get("coordinateTransformations", []))
    transforms += list(multiscale["datasets"][0].get("coordinateTransformations", []))
    for transform in transforms:
        if transform.get("type") == "scale" and len(transform.get("scale", [])) == len(axes):
            scale = [a * float(b) for a, b in zip(scale, transform["scale"], strict=True)]
    sizes: dict[str, float | None] = {}
    time: float | None = None
    for axis, factor in zip(axes, scale, strict=True):
        if not isinstance(axis, dict):
            continue
        kind = axis.get("type", "space")
        if kind == "space":
            sizes[_axis_name(axis).lower()] = to_micrometres(factor, axis.get("unit"))
        elif kind == "time":
            time = to_seconds(factor, axis.get("unit"))
    return PixelSizes(sizes.get("z"), sizes.get("y"), sizes.get("x"), t=time)
