"""Size limits of readers and writers: I2I_MAX_PIXELS and I2I_MAX_DECODED_PIXELS."""

from __future__ import annotations

from pathlib import Path

import pytest

from i2i.image import ImageError
from i2i_plugins.image_formats.limits import (
    MAX_PIXELS,
    check_decoded_pixels,
    check_pixels,
    pixel_limit,
)


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("I2I_MAX_PIXELS", raising=False)
    assert pixel_limit() == MAX_PIXELS == 10**12
    monkeypatch.setenv("I2I_MAX_PIXELS", "2e12")
    assert pixel_limit() == 2 * 10**12
    for bad in ("0", "-5", "lots"):
        monkeypatch.setenv("I2I_MAX_PIXELS", bad)
        with pytest.raises(ImageError, match=f"I2I_MAX_PIXELS='{bad}' is not a positive"):
            pixel_limit()


def test_sizes_at_the_limit_pass_and_beyond_it_name_the_file(monkeypatch) -> None:
    monkeypatch.setenv("I2I_MAX_PIXELS", "100")
    check_pixels(Path("a.tif"), (1, 1, 1, 10, 10))
    with pytest.raises(ImageError, match=r"a.tif: the image is 1 × 1 × 1 × 10 × 11 = 110 pix"):
        check_pixels(Path("a.tif"), (1, 1, 1, 10, 11))
    monkeypatch.setenv("I2I_MAX_DECODED_PIXELS", "10")
    with pytest.raises(ImageError, match=r"b.png: the plane to decode whole is 4 × 4 = 16"):
        check_decoded_pixels(Path("b.png"), (4, 4))
