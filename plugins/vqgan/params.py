"""Parameters of the VQGAN plugin's components."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

import i2i


class VQGANParams(i2i.Params):
    """Shape of the taming-style encoder and decoder (the two share these fields)."""

    ch: int = Field(128, ge=1, description="Channels of the first level (the paper: 128).")
    ch_mult: list[int] = Field(
        [1, 2, 4],
        min_length=1,
        description="Channel multiplier of each level; len(ch_mult) - 1 downsamplings by 2.",
    )
    num_res_blocks: int = Field(
        2, ge=1, description="ResNet blocks per encoder level (the decoder has one more)."
    )
    z_channels: int = Field(3, ge=1, description="Channels of the latent (the paper: 3).")
    attn_resolutions: list[int] = Field(
        default_factory=list,
        description="Add self-attention after each block at these feature sizes (see resolution).",
    )
    resolution: int = Field(
        256, ge=1, description="Training image side; only locates attn_resolutions."
    )
    mid_attention: bool = Field(
        True, description="Single-head self-attention in the middle block (the paper: on)."
    )
    dropout: float = Field(0.0, ge=0, lt=1, description="Dropout inside ResNet blocks.")
    groups: int = Field(
        32, ge=1, description="GroupNorm groups; every level's width must be a multiple."
    )

    @model_validator(mode="after")
    def _widths_divide_into_groups(self) -> VQGANParams:
        for mult in self.ch_mult:
            if (self.ch * mult) % self.groups:
                raise ValueError(
                    f"ch * ch_mult = {self.ch} * {mult} is not a multiple of groups = "
                    f"{self.groups}; choose ch as a multiple of groups (e.g. ch: "
                    f"{self.groups * max(1, self.ch // self.groups)}) or lower groups."
                )
        return self


class VectorQuantizerParams(i2i.Params):
    codebook_size: int = Field(8192, ge=2, description="Number of codes (the paper: 8192).")
    code_dim: int | None = Field(
        None, ge=1, description="Dimension of a code; null: the encoder's z channels."
    )
    beta: float = Field(0.25, ge=0, description="Commitment weight beta.")
    legacy_beta: bool = Field(
        False,
        description=(
            "Put beta on the codebook term instead of the commitment term, as taming's "
            "VectorQuantizer2(legacy=True) and the paper's training did."
        ),
    )
    projections: bool = Field(
        True, description="1x1 convolutions before and after quantization (taming's quant_conv)."
    )
    normalize: bool = Field(
        False, description="L2-normalise latents and codes: nearest code by cosine similarity."
    )
    ema: bool = Field(
        False, description="Update codes by exponential moving averages instead of gradients."
    )
    ema_decay: float = Field(0.99, gt=0, lt=1, description="Decay of the EMA code updates.")
    init: Literal["uniform", "kmeans"] = Field(
        "uniform",
        description="Codebook start: taming's uniform(-1/K, 1/K), or k-means on the first latents.",
    )
    kmeans_iters: int = Field(10, ge=1, description="Lloyd iterations of the k-means start.")
    restart_dead_codes: bool = Field(
        False, description="Move codes unused for a while onto random current latents."
    )
    dead_code_threshold: float = Field(
        1.0,
        ge=0,
        description="A code is dead when its running count of assignments per batch is below.",
    )
    usage_decay: float = Field(0.99, gt=0, lt=1, description="Decay of the running code usage.")


class PatchGANParams(i2i.Params):
    n_layers: int = Field(3, ge=1, description="Strided 4x4 convolution layers (the paper: 3).")
    ndf: int = Field(64, ge=1, description="Filters of the first layer (the paper: 64).")


class CodebookLossParams(i2i.Params):
    weight: float = Field(1.0, ge=0, description="Multiplier of the quantizer's loss.")


class GANLossParams(i2i.Params):
    loss: Literal["hinge", "vanilla"] = Field(
        "hinge", description="Discriminator objective: hinge or vanilla (softplus)."
    )
    disc_weight: float = Field(
        1.0, ge=0, description="Multiplier of the adaptive weight (the paper: 0.8)."
    )
    disc_start: int = Field(
        0, ge=0, description="Training step at which the adversarial terms switch on."
    )
    disc_factor: float = Field(1.0, ge=0, description="Multiplier of both adversarial terms.")
    adaptive: bool = Field(
        True,
        description=(
            "Scale the generator's GAN term by ||grad L_pixel|| / ||grad L_GAN|| at the "
            "generator's last layer (taming); off: use disc_weight as is."
        ),
    )
