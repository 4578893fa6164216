"""What a package cites: the papers behind the model's components, and the user's citation.

bioimage.io needs each citation with a DOI or a URL. The papers are looked up by the registered
name of the model's encoder, quantizer and generator (names are what recipes use; no plugin is
imported); a ``--citation`` given at export is added first, with the DOI or URL it contains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from i2i.errors import I2IError

Citation = tuple[str, dict[str, str]]
"""(text, {"doi": ...} or {"url": ...})."""

_TAMING = (
    "Esser, Rombach and Ommer, 'Taming Transformers for High-Resolution Image Synthesis', "
    "CVPR 2021 (the VQGAN).",
    {"url": "https://arxiv.org/abs/2012.09841"},
)
_LE_LUNDBERG = (
    "Le and Lundberg, 'High-Resolution In Silico Painting with Generative Models' (first "
    "place, ISBI 2024 Light My Cells challenge): the VQGAN recipe for in silico painting.",
    {"url": "https://lightmycells.grand-challenge.org"},
)
_UNET = (
    "Ronneberger, Fischer and Brox, 'U-Net: Convolutional Networks for Biomedical Image "
    "Segmentation', MICCAI 2015.",
    {"doi": "10.1007/978-3-319-24574-4_28"},
)
_FNET = (
    "Ounkomol et al., 'Label-free prediction of three-dimensional fluorescence images from "
    "transmitted-light microscopy', Nature Methods 2018.",
    {"doi": "10.1038/s41592-018-0111-2"},
)
_TIMM = (
    "Wightman, 'PyTorch Image Models' (timm), 2019.",
    {"url": "https://github.com/huggingface/pytorch-image-models"},
)

COMPONENT_CITATIONS: Mapping[str, tuple[Citation, ...]] = {
    "vqgan": (_LE_LUNDBERG, _TAMING),
    "vector": (_TAMING,),
    "unet": (_UNET, _FNET),
    "timm": (_TIMM,),
}
"""Papers to cite by registered component name."""

_DOI = re.compile(r"\b(10\.\d{4,9}/\S+[^\s.,;)])")
_URL = re.compile(r"https?://\S+[^\s.,;)]")


class CitationError(I2IError):
    """A citation has neither a DOI nor a URL."""


def citations(spec: Mapping[str, object], given: str) -> list[Citation]:
    """The user's citation (if any) then the papers of the model's components, without repeats."""
    found: list[Citation] = [_parse(given)] if given.strip() else []
    for part in ("encoder", "quantizer", "generator"):
        component = spec.get(part)
        name = component.get("name") if isinstance(component, Mapping) else None
        for citation in COMPONENT_CITATIONS.get(str(name), ()):
            if citation not in found:
                found.append(citation)
    return found


def _parse(text: str) -> Citation:
    doi = _DOI.search(text)
    if doi:
        return text.strip(), {"doi": doi.group(1)}
    url = _URL.search(text)
    if url:
        return text.strip(), {"url": url.group(0)}
    raise CitationError(
        f"--citation {text!r}: bioimage.io needs a DOI (10.xxxx/...) or a URL in each "
        "citation. Add one to the text, e.g. --citation 'Doe et al. 2025, "
        "https://doi.org/10.1234/abcd'."
    )
