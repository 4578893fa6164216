"""Small synthetic datasets in the exact layouts of Light My Cells and JUMP cpg0000.

File names come from the layouts' own definitions (:data:`lmc.INPUT`, :data:`lmc.TARGET`,
:data:`jump.FILE`), so the layouts read exactly what the demo writes.

For tests and for trying i2i without downloading anything. Images are made of a few synthetic
cells: the organelle targets are deterministic functions of the cells (nucleus blobs,
mitochondrial puncta around them, an actin rim, radial tubulin), and the transmitted-light
planes are defocused views of the cell bodies (blur grows with the distance to the focal plane),
so a model can learn something. Everything is seeded.

``write_lmc_demo`` writes OME-TIFFs with channel names and pixel sizes (60-162 nm by study):
four studies, three modalities, 1-5 z-planes per field and 1-3 of the 4 organelles per field
(actin in one study only, as in the real data where actin is rare). ``write_jump_demo`` writes
plain TIFFs (as the Phenix exports them) for two plates, eight channels per site.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from i2i_plugins.datasets import jump, lmc

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class DemoField:
    """One Light My Cells demo field: its z-plane count and organelles."""

    planes: int
    organelles: tuple[str, ...]


@dataclass(frozen=True)
class DemoStudy:
    name: str
    modality: str
    pixel_size_um: float
    fields: tuple[DemoField, ...]
    extra_size: tuple[int, int] = (0, 0)


LMC_STUDIES = (
    DemoStudy(
        "Study_1",
        "BF",
        0.1625,
        (
            DemoField(3, ("Nucleus", "Mitochondria", "Tubulin")),
            DemoField(5, ("Nucleus", "Tubulin")),
            DemoField(1, ("Nucleus",)),
        ),
    ),
    DemoStudy(
        "Study_2",
        "PC",
        0.0999,
        (
            DemoField(2, ("Nucleus", "Mitochondria")),
            DemoField(2, ("Mitochondria",)),
            DemoField(4, ("Nucleus", "Mitochondria")),
        ),
    ),
    DemoStudy(
        "Study_3",
        "DIC",
        0.06,
        (DemoField(3, ("Nucleus", "Actin", "Tubulin")), DemoField(1, ("Actin",))),
        extra_size=(16, 8),
    ),
    DemoStudy(
        "Study_4",
        "BF",
        0.1083,
        (DemoField(2, ("Nucleus", "Tubulin")), DemoField(3, ("Mitochondria", "Tubulin"))),
    ),
)
"""The demo's studies: 10 fields, 26 input planes."""

JUMP_PLATES = {"BR00000001": ("r01c01", "r01c02"), "BR00000002": ("r01c01", "r02c03")}
JUMP_SITES = ("f01", "f02")
JUMP_MEASUREMENT = "2020-11-05T19_51_35-Measurement1"
JUMP_BF_FOCUS = {"BF_over": 7.0, "BF_under": -4.0, "BF_focus": 0.0}
"""Bright-field channels and their focal offsets (µm)."""
_ALIASES = {"DNA": "Nucleus", "Mito": "Mitochondria", "AGP": "Actin"}


class _Cells:
    """A few random cells on a (height, width) canvas and images derived from them."""

    def __init__(self, rng: np.random.Generator, height: int, width: int, count: int = 6):
        import numpy as np

        self.rng = rng
        self.yy, self.xx = np.mgrid[0:height, 0:width].astype(np.float32)
        self.radius = max(2.0, min(height, width) / 10)
        self.centres = rng.uniform(
            [self.radius, self.radius], [height - self.radius, width - self.radius], (count, 2)
        )

    def _each(self, profile: object) -> np.ndarray:
        import numpy as np

        total = np.zeros_like(self.yy)
        for cy, cx in self.centres:
            dy, dx = self.yy - cy, self.xx - cx
            total += profile(np.hypot(dy, dx) / self.radius, np.arctan2(dy, dx))  # type: ignore[operator]
        return total

    def organelle(self, name: str) -> np.ndarray:
        import numpy as np

        profiles = {
            "Nucleus": lambda r, a: np.exp(-(r**2) / 0.5),
            "Mitochondria": lambda r, a: np.exp(-((r - 1.4) ** 2) / 0.1) * (1 + np.cos(6 * a)),
            "Actin": lambda r, a: np.exp(-((r - 2.0) ** 2) / 0.05),
            "Tubulin": lambda r, a: np.exp(-(r**2) / 4) * (1 + np.cos(10 * a)) / 2,
            "ER": lambda r, a: np.exp(-((r - 1.0) ** 2) / 0.3),
            "RNA": lambda r, a: np.exp(-((r - 0.3) ** 2) / 0.05),
        }
        return self._each(profiles[_ALIASES.get(name, name)])

    def transmitted(self, defocus: float) -> np.ndarray:
        from scipy.ndimage import gaussian_filter

        body = self._each(lambda r, a: (r < 2.0).astype("float32"))
        return gaussian_filter(body, sigma=0.7 + abs(defocus)) - 0.3 * gaussian_filter(body, 3.0)

    def to_uint16(self, image: np.ndarray, background: float, gain: float) -> np.ndarray:
        import numpy as np

        noisy = background + gain * image + self.rng.normal(0, gain * 0.02, image.shape)
        return np.clip(noisy, 0, 65535).astype(np.uint16)


def write_lmc_demo(root: str | Path, size: int = 64, seed: int = 0) -> list[Path]:
    """Write the Light My Cells demo under ``root``; returns the files written."""
    import numpy as np

    from i2i.image import PixelSizes
    from i2i.io import write_image

    root = Path(root)
    rng = np.random.default_rng(seed)
    written: list[Path] = []
    image_id = 0
    for study in LMC_STUDIES:
        folder = root / study.name
        folder.mkdir(parents=True, exist_ok=True)
        sizes = PixelSizes(y=study.pixel_size_um, x=study.pixel_size_um)
        height, width = size + study.extra_size[0], size + study.extra_size[1]
        for field in study.fields:
            image_id += 1
            cells = _Cells(rng, height, width)
            focus = (field.planes - 1) / 2
            for z in range(field.planes):
                plane = cells.to_uint16(cells.transmitted(z - focus), 2000, 3000)
                path = folder / lmc.INPUT.format(id=image_id, modality=study.modality, z=z)
                written.append(write_image(path, plane, [study.modality], sizes))
            for organelle in field.organelles:
                plane = cells.to_uint16(cells.organelle(organelle), 100, 4000)
                path = folder / lmc.TARGET.format(id=image_id, organelle=organelle)
                written.append(write_image(path, plane, [organelle], sizes))
    return written


def write_jump_demo(root: str | Path, size: int = 128, seed: int = 0) -> list[Path]:
    """Write the JUMP cpg0000 demo under ``root``; returns the files written."""
    import numpy as np
    import tifffile

    root = Path(root)
    rng = np.random.default_rng(seed)
    written: list[Path] = []
    for plate, wells in JUMP_PLATES.items():
        folder = root / jump.measurement_folder(plate, JUMP_MEASUREMENT)
        folder.mkdir(parents=True, exist_ok=True)
        for well in wells:
            for site in JUMP_SITES:
                cells = _Cells(rng, size, size, count=4)
                planes = {
                    channel: cells.transmitted(JUMP_BF_FOCUS[name])
                    if name in JUMP_BF_FOCUS
                    else cells.organelle(name)
                    for channel, name in jump.CHANNELS.items()
                }
                for channel, plane in planes.items():
                    path = folder / jump.FILE.format(well=well, site=site, channel=channel)
                    bright_field = jump.CHANNELS[channel] in JUMP_BF_FOCUS
                    background, gain = (2000, 3000) if bright_field else (100, 4000)
                    tifffile.imwrite(path, cells.to_uint16(plane, background, gain))
                    written.append(path)
    return written
