"""Physical units (OME-XML symbols and NGFF/UDUNITS names): lengths in micrometres, times in
seconds."""

from __future__ import annotations

_MICROMETRES_PER_UNIT = {
    "pm": 1e-6,
    "picometer": 1e-6,
    "å": 1e-4,
    "angstrom": 1e-4,
    "nm": 1e-3,
    "nanometer": 1e-3,
    "µm": 1.0,
    "um": 1.0,
    "micron": 1.0,
    "micrometer": 1.0,
    "mm": 1e3,
    "millimeter": 1e3,
    "cm": 1e4,
    "centimeter": 1e4,
    "m": 1e6,
    "meter": 1e6,
}


def to_micrometres(value: float | str | None, unit: str | None) -> float | None:
    """``value`` given in ``unit`` as micrometres; ``None`` when either is missing or unknown.

    Accepts OME-XML symbols (``µm``, ``nm``, ``Å``), NGFF/UDUNITS names (``micrometer``) and
    ImageJ's ``micron`` and escaped ``\\u00B5m``; the Greek mu (U+03BC) counts as the micro
    sign.
    """
    if value is None or unit is None:
        return None
    key = unit.strip().lower().replace("\u03bc", "\u00b5").replace("\\u00b5", "\u00b5")
    key = key.removesuffix("s") if key.endswith(("meters", "microns")) else key
    factor = _MICROMETRES_PER_UNIT.get(key)
    size = float(value)
    if factor is None or not size > 0:
        return None
    return size * factor


_SECONDS_PER_UNIT = {
    "ns": 1e-9,
    "nanosecond": 1e-9,
    "µs": 1e-6,
    "us": 1e-6,
    "microsecond": 1e-6,
    "ms": 1e-3,
    "millisecond": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
}


def to_seconds(value: float | str | None, unit: str | None) -> float | None:
    """``value`` given in time ``unit`` as seconds; ``None`` when missing, unknown or not > 0.

    Accepts OME-XML symbols (``s``, ``ms``, ``min``, ``h``) and NGFF/UDUNITS names
    (``second``, ``millisecond``; plurals too).
    """
    if value is None or unit is None:
        return None
    key = unit.strip().lower().replace("\u03bc", "\u00b5")
    key = key.removesuffix("s") if len(key) > 3 and key.endswith("s") else key
    factor = _SECONDS_PER_UNIT.get(key)
    try:
        size = float(value)
    except ValueError:
        return None
    if factor is None or not size > 0 or size == float("inf"):
        return None
    return size * factor
