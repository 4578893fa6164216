"""Physical length units (OME-XML symbols and NGFF/UDUNITS names) converted to micrometres."""

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
