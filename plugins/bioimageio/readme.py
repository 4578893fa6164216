"""The package's README: what the model does, what it expects, how to run it, where it is from."""

from __future__ import annotations

from i2i_plugins.bioimageio.description import ModelFacts


def readme(facts: ModelFacts, card_yaml: str, test_source: str) -> str:
    """Markdown documentation of the package (``documentation`` of the description)."""
    contract = facts.contract
    low, high = contract.percentiles
    if contract.normalization == "none":
        normalisation = "none (raw intensities)"
    else:
        clip = ", clipped to [0, 1]" if contract.clip else ""
        normalisation = f"percentiles {low}-{high} of each input plane to 0-1{clip}"
    pixel = f"{contract.pixel_size_um} µm" if contract.pixel_size_um else "unknown"
    cites = "\n".join(f"- {text} ({', '.join(where.values())})" for text, where in facts.citations)
    return f"""# {facts.name}

{facts.description}

Exported by i2i (the Python package i2i-microscopy); the test data is a crop of a real
image ({test_source}).

## Input and output

- input `input` (batch, channel, y, x): {", ".join(facts.input_names)}; sides multiples of
  {facts.multiple}, at least {facts.min_side}; trained at a pixel size of {pixel}.
- preprocessing (in this package): {normalisation}.
- output `output` (batch, channel, y, x): {", ".join(contract.output_channels)}, in the normalised
  units of the training targets; tile with a halo of {facts.halo} pixels.

## Running it

- i2i: `i2i predict -m {facts.name}.bioimageio.zip image.ome.tiff -o prediction.ome.zarr`
  (tiling, blending and the writers of i2i; the i2i weights attached are used when present).
- bioimageio.core: `bioimageio predict {facts.name}.bioimageio.zip --inputs image.npy`, and
  the bioimage.io consumers that read TorchScript or ONNX weights.

## Cite

{cites}

## The i2i model card

```yaml
{card_yaml.rstrip()}
```
"""
