"""The registry of public sample data that ``i2i data fetch NAME`` downloads (URL + sha256).

Each sample set lists its files with their sha256 and where they are published. Set
``I2I_DATA_BASE_URL`` to a mirror laid out as ``<base>/<set name>/<file>`` (an ``http://`` server
or a ``file://`` folder, for example the project's shared test data) to fetch from there
instead of the public source.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote

from i2i.download import DownloadError, cache_dir, fetch


@dataclass(frozen=True)
class SampleSet:
    """Files published together, their licence and their public base URL."""

    name: str
    description: str
    licence: str
    base_url: str
    files: dict[str, str]
    """file name -> sha256."""

    def urls(self, file_name: str) -> list[str]:
        """Where ``file_name`` can be downloaded, the ``I2I_DATA_BASE_URL`` mirror first."""
        urls = []
        mirror = os.environ.get("I2I_DATA_BASE_URL")
        if mirror:
            urls.append(f"{mirror.rstrip('/')}/{self.name}/{quote(file_name, safe=',')}")
        urls.append(self.base_url + quote(file_name, safe=","))
        return urls


_ISL_PREFIX = (
    "lab-FINKBEINER,condition-KEVAN_0_8,acquisition_date,year-2015,month-10,day-5,minute-0,"
    "well-A4,tile_computation-STITCHED,"
)
_ISL_FILES = [
    (
        "z_depth-0,channel-PHASE_CONTRAST",
        "f9c8ff6ca50c75d2ae94e70333caefe05c94dddba5ff90216bca5b9498b8fc5a",
    ),
    (
        "z_depth-1,channel-PHASE_CONTRAST",
        "174e164b76be37ff94278b8e64fbc2409191860c215ebde4639af9af5c99fed8",
    ),
    (
        "z_depth-2,channel-PHASE_CONTRAST",
        "979aa686e08e2cde6e35ed80a0095d86cfcc18f087417e498330a5b5d9b0355e",
    ),
    (
        "z_depth-3,channel-PHASE_CONTRAST",
        "19cdeb7fe097ca4f896813a3f8ba58e3c0bb03e8e2a1697ac0a0ae016dc67b17",
    ),
    (
        "z_depth-4,channel-PHASE_CONTRAST",
        "3182ffaf508f7ee198e377083a1c90e9d8e8b14f6a5dab54aae7bbfbda32e74a",
    ),
    (
        "z_depth-5,channel-PHASE_CONTRAST",
        "cc9f93e1485ad0d56a6a48a90df0c26bb59ed53a08c1f56ec966821f7f3d8fb4",
    ),
    (
        "z_depth-6,channel-PHASE_CONTRAST",
        "1d3f266e72a9fc2deda8c0dd51dcd74bb2962c651c4c03eda50835bbe82c124e",
    ),
    (
        "z_depth-7,channel-PHASE_CONTRAST",
        "3fdda2fc3befd480173be3e82a218b1bdbc319697cecabc5869a342018e09ca7",
    ),
    (
        "z_depth-8,channel-PHASE_CONTRAST",
        "bca83fc5dd3d0c99c13af96c316b2705e71c096e9f9d26afff484d637c992fb9",
    ),
    (
        "z_depth-9,channel-PHASE_CONTRAST",
        "3308e318dc806cfffbb276b0f159e518d6ac5fe01909a513be0103619b1652c2",
    ),
    (
        "z_depth-10,channel-PHASE_CONTRAST",
        "fd3b9536edefe3031eb0055ad77840848e98dee229704573d7b75c1bc1ba4684",
    ),
    (
        "z_depth-11,channel-PHASE_CONTRAST",
        "eeab39892a231bf52fabd9aecfccc14c8fd7adfa534cfe40dcfd400db0df7a80",
    ),
    (
        "z_depth-12,channel-PHASE_CONTRAST",
        "787f35dcc662983b0bc66fd52cdc2f87b2f98f22d8aba5cec9aff2773702b5af",
    ),
    (
        "depth_computation-MAXPROJECT,channel-DAPI_CONFOCAL",
        "9c4a1871cc83ea3b5bbf5ca8586c901a03d16b1dbe64277f650dcbccbfa6407f",
    ),
    (
        "depth_computation-MAXPROJECT,channel-MAP2_CONFOCAL",
        "1629cbfbb456b98da4a67790023e595b6d03ad85f4c32b58bb95502fd0099e8f",
    ),
    (
        "depth_computation-MAXPROJECT,channel-NFH_CONFOCAL",
        "ba2a6874f53d3e8f0bf1be522bc240539166eaa1322c2038fa0c11868cb53eee",
    ),
]

SAMPLES: dict[str, SampleSet] = {
    "isl_condition_b": SampleSet(
        name="isl_condition_b",
        description=(
            "One field of rat cortical neurons (Christiansen et al., Cell 2018, 'In silico "
            "labeling'): 13 phase-contrast z-planes and DAPI, MAP2, NFH confocal targets, "
            "16-bit PNG 1024x1024."
        ),
        licence="CC BY 4.0",
        base_url=(
            "https://raw.githubusercontent.com/google/in-silico-labeling/"
            "5db882bfab3a1409caca1c4a913c3aa7471c9a3a/isl/testdata/condition_blue_sample/"
        ),
        files={f"{_ISL_PREFIX}{key},is_mask-false.png": sha for key, sha in _ISL_FILES},
    ),
}


def sample_set(name: str) -> SampleSet:
    """The sample set called ``name``; an unknown name lists the known ones."""
    if name not in SAMPLES:
        raise DownloadError(
            f"unknown sample data {name!r}; known: {', '.join(sorted(SAMPLES))}. Run "
            "'i2i data fetch --list' to see them."
        )
    return SAMPLES[name]


SampleProgress = Callable[[str, int, int], None]
"""Told ``(file, bytes done, file size)`` as each file of a set downloads: ``file`` is its
label (``[3/16] z_depth-2,channel-PHASE_CONTRAST``); a size of 0 is unknown."""


def fetch_sample(
    name: str,
    folder: Path | None = None,
    *,
    progress: bool = True,
    on_bytes: SampleProgress | None = None,
) -> Path:
    """Download (or find in the cache) every file of sample set ``name``; its folder.

    ``folder``: where to put the files (default: ``<cache>/samples/<name>``). Each file is
    labelled ``[i/N]`` and what tells it apart from the others, in the progress line
    (``progress``) and to ``on_bytes`` (a file already in the cache is only verified).
    """
    samples = sample_set(name)
    root = folder if folder is not None else cache_dir() / "samples" / name
    root.mkdir(parents=True, exist_ok=True)
    names = list(samples.files)
    parts = distinguishing_parts(names)
    for number, (file_name, part) in enumerate(zip(names, parts, strict=True), start=1):
        label = f"[{number}/{len(names)}] {part}"
        told = None if on_bytes is None else partial(on_bytes, label)
        urls, sha256 = samples.urls(file_name), samples.files[file_name]
        fetch(urls, sha256, file_name, progress=progress, root=root, label=label, on_bytes=told)
    return root


_SEPARATORS = ",_-. "


def distinguishing_parts(names: list[str]) -> list[str]:
    """What tells each of ``names`` apart: the names without the prefix and suffix they all
    share (cut at separators, so ``z_depth-3,channel-PHASE`` stays whole), shortened to 56
    characters; a single name is kept whole."""
    if len(names) < 2:
        return names
    prefix = _common_start(names)
    suffix = _common_start([n[::-1] for n in names])[::-1]
    start = max((prefix.rfind(c) + 1 for c in _SEPARATORS), default=0)
    ends = [suffix.find(c) for c in _SEPARATORS if c in suffix]
    cut = len(suffix) - min(ends) if ends else 0
    shortest = min(len(n) for n in names)
    if start + cut >= shortest:  # one name is the others' prefix or suffix: keep them whole
        return [_shorten(n) for n in names]
    return [_shorten(n[start : len(n) - cut]) for n in names]


def _common_start(texts: list[str]) -> str:
    """The longest text every one of ``texts`` starts with (characters, not path parts)."""
    first, last = min(texts), max(texts)
    length = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    return first[:length]


def _shorten(text: str, width: int = 56) -> str:
    return (
        text if len(text) <= width else f"{text[: width // 3]}…{text[-(width - width // 3 - 1) :]}"
    )
