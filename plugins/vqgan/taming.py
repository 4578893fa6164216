"""Converting taming-transformers ``VQModel`` state dicts (the paper's Lightning checkpoints) to
the parameter names of an i2i :class:`~i2i.model.Translator` built from the vqgan plugin.

taming                        i2i
``encoder.*``                 ``encoder.*``          (same module layout)
``decoder.*``                 ``generator.*``
``quantize.embedding.weight`` ``quantizer.embedding.weight``
``quant_conv.*``              ``quantizer.quant_conv.*``
``post_quant_conv.*``         ``quantizer.post_quant_conv.*``
``loss.discriminator.*``      ``discriminator.*``
``loss.perceptual_loss.*``    dropped (LPIPS is frozen and not part of the translator)

The paper fed one bright-field plane copied three times and predicted three copies of one
organelle. When the target model has one input (output) channel where the checkpoint has
several, the input convolutions' filters are summed over their input channels (exactly the same
outputs for a plane given once instead of copied) and the output convolution's filters are
averaged (the mean of the copies).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from i2i.errors import I2IError

RENAMES: tuple[tuple[str, str], ...] = (
    ("encoder.", "encoder."),
    ("decoder.", "generator."),
    ("quantize.", "quantizer."),
    ("quant_conv.", "quantizer.quant_conv."),
    ("post_quant_conv.", "quantizer.post_quant_conv."),
    ("loss.discriminator.", "discriminator."),
)
DROPPED_PREFIXES = ("loss.perceptual_loss.", "model_ema.")
INPUT_CONVS = ("encoder.conv_in.weight", "discriminator.main.0.weight")
OUTPUT_CONVS = ("generator.conv_out.weight", "generator.conv_out.bias")


class TamingImportError(I2IError):
    """A taming checkpoint does not fit the model spec it is imported into."""


@dataclass
class Conversion:
    state_dict: dict[str, torch.Tensor]
    dropped: list[str] = field(default_factory=list)
    adapted: list[str] = field(default_factory=list)


def rename(name: str) -> str | None:
    """Our name for a taming parameter name; ``None`` when it is not part of a translator."""
    if name.startswith(DROPPED_PREFIXES):
        return None
    for prefix, ours in RENAMES:
        if name.startswith(prefix):
            return ours + name[len(prefix) :]
    return None


def convert_state_dict(
    taming_state: Mapping[str, torch.Tensor], target_state: Mapping[str, torch.Tensor]
) -> Conversion:
    """Map ``taming_state`` onto the names and shapes of ``target_state`` (a model's state dict).

    Buffers the checkpoint lacks (quantizer bookkeeping) keep the target's values; a missing
    parameter, or a shape that cannot be adapted, is a :class:`TamingImportError`.
    """
    conversion = Conversion(state_dict={})
    for name, tensor in taming_state.items():
        ours = rename(name)
        if ours is None or ours not in target_state:
            conversion.dropped.append(name)
            continue
        conversion.state_dict[ours] = _fit(ours, tensor, target_state[ours], conversion)
    for name, value in target_state.items():
        if name not in conversion.state_dict:
            conversion.state_dict[name] = value
    provided = {rename(n) for n in taming_state}
    missing = sorted(set(target_state) - provided - _bookkeeping(target_state))
    if missing:
        raise TamingImportError(
            f"The checkpoint has no weights for {len(missing)} parameters of the model "
            f"({', '.join(missing[:4])}{'...' if len(missing) > 4 else ''}). Check that the "
            "spec's encoder/generator shapes (ch, ch_mult, num_res_blocks, z_channels, "
            "codebook_size) and discriminator match the checkpoint's configuration."
        )
    if "quantizer.initialized" in conversion.state_dict:
        conversion.state_dict["quantizer.initialized"] = torch.tensor(True)
    return conversion


def _bookkeeping(target_state: Mapping[str, torch.Tensor]) -> set[str]:
    """Quantizer buffers that taming checkpoints do not have."""
    names = ("usage", "initialized", "ema_count", "ema_sum")
    return {f"quantizer.{n}" for n in names if f"quantizer.{n}" in target_state}


def _fit(
    name: str, tensor: torch.Tensor, target: torch.Tensor, conversion: Conversion
) -> torch.Tensor:
    if tensor.shape == target.shape:
        return tensor.to(target.dtype)
    if name in INPUT_CONVS and target.shape[1] == 1 and tensor.shape[:1] == target.shape[:1]:
        conversion.adapted.append(f"{name}: summed {tensor.shape[1]} input channels into 1")
        return tensor.sum(dim=1, keepdim=True).to(target.dtype)
    if name in OUTPUT_CONVS and target.shape[0] == 1 and tensor.shape[1:] == target.shape[1:]:
        conversion.adapted.append(f"{name}: averaged {tensor.shape[0]} output channels into 1")
        return tensor.mean(dim=0, keepdim=True).to(target.dtype)
    raise TamingImportError(
        f"Checkpoint tensor for {name} has shape {tuple(tensor.shape)} but the model expects "
        f"{tuple(target.shape)}. Make the spec's channels and sizes match the checkpoint "
        "(the paper's models: in_channels 3 or 1, out_channels 3 or 1, ch 128, ch_mult "
        "[1, 2, 4], num_res_blocks 2, z_channels 3, codebook_size 8192)."
    )
