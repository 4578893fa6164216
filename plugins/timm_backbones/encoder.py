"""A timm backbone as a feature-pyramid encoder (Wightman, "PyTorch Image Models", 2019).

``timm.create_model(name, features_only=True, in_chans=C)`` returns the backbone's feature maps
at increasing strides; timm adapts the first convolution to ``C`` input channels (summing or
repeating the pretrained RGB filters), so one bright-field plane needs no copying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from i2i.errors import I2IError
from i2i_plugins.timm_backbones.params import TimmEncoderParams

if TYPE_CHECKING:
    from timm.models import FeatureInfo


class PretrainedWeightsUnavailable(I2IError):
    """timm could neither download nor find in its cache a backbone's pretrained weights."""

    def __init__(self, model_name: str, cause: OSError):
        super().__init__(
            f"model.encoder.pretrained: the pretrained weights of timm model {model_name!r} "
            f"could not be downloaded nor found in the local cache ({type(cause).__name__}). "
            "Pretrained weights need the network once (from the Hugging Face Hub) or a cached "
            "copy: run once where the network is reachable (the weights are cached under "
            "HF_HOME, default ~/.cache/huggingface) or copy that cache here; unset "
            "HF_HUB_OFFLINE if it is set. Or start from random weights: "
            "model.encoder.pretrained=false."
        )


class TimmEncoder(nn.Module):
    def __init__(self, params: TimmEncoderParams, in_channels: int):
        super().__init__()
        import timm

        if not timm.is_model(params.model_name):
            close = timm.list_models(f"*{params.model_name}*")[:5]
            raise I2IError(
                f"model.encoder.model_name: timm has no model {params.model_name!r}"
                f"{' (similar: ' + ', '.join(close) + ')' if close else ''}. Pick a name from "
                "timm.list_models()."
            )
        kwargs: dict[str, Any] = {}  # create_model's extra arguments
        if params.out_indices is not None:
            kwargs["out_indices"] = tuple(params.out_indices)
        try:
            self.backbone = timm.create_model(
                params.model_name,
                pretrained=params.pretrained,
                features_only=True,
                in_chans=in_channels,
                **kwargs,
            )
        except OSError as error:  # the hub's offline and not-cached errors are OSErrors
            if not params.pretrained:
                raise
            raise PretrainedWeightsUnavailable(params.model_name, error) from error
        info = cast("FeatureInfo", self.backbone.feature_info)
        self.feature_channels: list[int] = list(info.channels())
        self.feature_reductions: list[int] = list(info.reduction())
        self.out_channels = self.feature_channels[-1]
        self.downsample_factor = self.feature_reductions[-1]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return list(self.backbone(x))  # [(B, C_i, H/r_i, W/r_i)], shallow to deep


def build_timm_encoder(params: TimmEncoderParams, in_channels: int) -> TimmEncoder:
    return TimmEncoder(params, in_channels)
