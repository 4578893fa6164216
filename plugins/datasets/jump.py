"""The JUMP Cell Painting pilot layout (cpg0000, Chandrasekaran et al. 2024, Nature Methods).

::

    BR00116991__2020-11-05T19_51_35-Measurement1/Images/r01c01f01p01-ch1sk1fk1fl1.tiff

One plain TIFF per site and channel, exported by a PerkinElmer Phenix: row ``r01``, column
``c01`` (well r01c01), field/site ``f01``, plane ``p01``, channel ``ch1``-``ch8``: ch1 Mito,
ch2 AGP, ch3 RNA, ch4 ER, ch5 DNA, ch6-8 bright field at three focal planes (ch6 +7 µm,
ch7 -4 µm, ch8 in focus). The plate is the name of the nearest folder other than ``Images``,
up to ``__``. A field is ``<plate>/<well>/<site>``; its plane ``pNN`` is z index NN - 1.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from i2i.data import FieldRecord, InputPlane, Layout, PlaneRef
from i2i_plugins.datasets.naming import FileNaming
from i2i_plugins.datasets.params import JumpParams

DIGITS = r"\d+"
FILE = FileNaming(
    "{well}{site}p{plane:02d}-ch{channel}sk{sk}fk{fk}fl{fl}",
    {
        "well": r"r\d+c\d+",
        "site": r"f\d+",
        **dict.fromkeys(("plane", "channel", "sk", "fk", "fl"), DIGITS),
    },
    (".tiff", ".tif"),
    defaults={"plane": 1, "sk": 1, "fk": 1, "fl": 1},
)
"""One site and channel: ``r01c01f01p01-ch1sk1fk1fl1.tiff``."""
CHANNELS = {1: "Mito", 2: "AGP", 3: "RNA", 4: "ER", 5: "DNA", 6: "BF_over", 7: "BF_under"}
CHANNELS[8] = "BF_focus"


def measurement_folder(plate: str, measurement: str) -> Path:
    """Where a Phenix export keeps a plate's images: ``<plate>__<measurement>/Images``."""
    return Path(f"{plate}__{measurement}") / "Images"


def plate_of(path: Path, root: Path) -> str:
    """The plate name: nearest folder (below root) that is not ``Images``, before ``__``."""
    for folder in path.relative_to(root).parents:
        if folder.name and folder.name.lower() != "images":
            return folder.name.split("__")[0]
    return root.name.split("__")[0]


class JumpLayout(Layout):
    name = "jump_cellpaint"
    params: JumpParams

    @property
    def input_names(self) -> list[str] | None:
        return list(self.params.inputs)

    def scan(self) -> list[FieldRecord]:
        fields: dict[tuple[str, str, str], dict[tuple[str, int], Path]] = defaultdict(dict)
        for path in sorted(self.root.rglob("*.tif*")):
            match = FILE.match(path.name)
            if match is None or int(match["channel"]) not in CHANNELS:
                continue
            key = (plate_of(path, self.root), match["well"], match["site"])
            fields[key][(CHANNELS[int(match["channel"])], int(match["plane"]) - 1)] = path
        return [self._record(key, files) for key, files in fields.items()]

    def _record(self, key: tuple[str, str, str], files: dict[tuple[str, int], Path]) -> FieldRecord:
        plate, well, site = key
        inputs = tuple(
            InputPlane(PlaneRef(path), channel=channel, z=z)
            for channel in self.params.inputs
            for (name, z), path in sorted(files.items(), key=lambda item: item[0][1])
            if name == channel
        )
        targets: dict[str, PlaneRef] = {
            name: PlaneRef(path)
            for (name, z), path in files.items()
            if name in self.params.targets and z == 0
        }
        return FieldRecord(
            field_id=f"{plate}/{well}/{site}",
            inputs=inputs,
            targets=targets,
            groups={"plate": plate, "well": f"{plate}/{well}", "site": f"{plate}/{well}/{site}"},
            modality="BF",
            pixel_size_um=self.params.pixel_size_um,
        )
