"""Training-step and inference speed of the paper's VQGAN (3 → 3 channels, 58.1 M parameters).

Run: python benchmarks/bench_model.py [--size 256] [--batch 1] [--steps 2] [--device cpu]
     [--variants fp32,fp32_cl,bf16,bf16_cl] [--compile]

A training step is the paper's GAN step: generator forward, L1 + codebook loss, the PatchGAN on
the prediction, the hinge GAN loss with taming's adaptive weight (two autograd.grad calls at the
decoder's last layer), backward and Adam step; then the discriminator step (real vs detached
prediction) with its own Adam. Inference is one forward pass of the translator.

Variants: fp32 or bf16 autocast, NCHW or channels_last (``_cl``); ``--compile`` adds
torch.compile versions. With ``TAMING_PATH`` pointing at a taming-transformers checkout (the
folder holding ``taming/``), the same step is timed with its Encoder, Decoder and
NLayerDiscriminator (fp32 and bf16 autocast), so both columns come from the same run on the
same, possibly shared, machine: compare ratios. A conv3x3 128→128 at the input size measures the
machine's convolution throughput for the "of peak" column.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from i2i import load_recipe
from i2i.model import build_model

# The bundled paper recipe's model at the 3 inputs / 3 outputs of the paper's parameter counts.
PAPER = load_recipe(
    "paper_vqgan", ["model.in_channels=3", "model.out_channels=3"]
).model.model_dump()


class Parts(nn.Module):
    """What a training step needs: ``translate(x) -> (y, qloss)``, the discriminator, the last
    layer, and the generator's parameters."""

    def __init__(self, translate: nn.Module, discriminator: nn.Module, last_layer: torch.Tensor):
        super().__init__()
        self.translate = translate
        self.discriminator = discriminator
        self.last_layer = last_layer


class _OurTranslator(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prediction, loss, _ = self.model(x)
        return prediction, loss


def ours() -> Parts:
    model = build_model(PAPER)
    discriminator = model.discriminator
    model.discriminator = None
    return Parts(_OurTranslator(model), discriminator, model.last_layer_weight())


class _ReferenceTranslator(nn.Module):
    """taming's encoder → quant_conv → nearest code → post_quant_conv → decoder."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.quant_conv, self.post_quant_conv = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)
        self.embedding = nn.Embedding(8192, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.quant_conv(self.encoder(x)).permute(0, 2, 3, 1)  # (B, h, w, 3)
        flat = z.reshape(-1, 3)
        distance = (
            flat.pow(2).sum(1, keepdim=True)
            + self.embedding.weight.pow(2).sum(1)
            - 2 * flat @ self.embedding.weight.t()
        )
        z_q = self.embedding(distance.argmin(1)).view(z.shape)
        loss = F.mse_loss(z_q.detach(), z) + 0.25 * F.mse_loss(z_q, z.detach())
        z_q = (z + (z_q - z).detach()).permute(0, 3, 1, 2)
        return self.decoder(self.post_quant_conv(z_q)), loss


def reference() -> Parts | None:
    root = os.environ.get("TAMING_PATH")
    if not root:
        return None
    sys.path.insert(0, str(Path(root).resolve()))
    with contextlib.redirect_stdout(None):
        from taming.modules.diffusionmodules.model import Decoder, Encoder
        from taming.modules.discriminator.model import NLayerDiscriminator, weights_init

        config = {
            "double_z": False, "z_channels": 3, "resolution": 256, "in_channels": 3,
            "out_ch": 3, "ch": 128, "ch_mult": [1, 2, 4], "num_res_blocks": 2,
            "attn_resolutions": [], "dropout": 0.0,
        }  # fmt: skip
        translate = _ReferenceTranslator(Encoder(**config), Decoder(**config))
    discriminator = NLayerDiscriminator(3, 64, 3).apply(weights_init)
    return Parts(translate, discriminator, translate.decoder.conv_out.weight)


def training_step(parts: Parts, optimizers, x, y, precision: str) -> None:
    optimizer_g, optimizer_d = optimizers
    autocast = torch.autocast(x.device.type, torch.bfloat16, enabled=precision == "bf16")
    with autocast:
        prediction, qloss = parts.translate(x)
        prediction = prediction.float()
        pixel = (prediction - y).abs().mean()
        parts.discriminator.requires_grad_(False)
        g_loss = -parts.discriminator(prediction).float().mean()
        parts.discriminator.requires_grad_(True)
        pixel_grad = torch.autograd.grad(pixel, parts.last_layer, retain_graph=True)[0]
        gan_grad = torch.autograd.grad(g_loss, parts.last_layer, retain_graph=True)[0]
        weight = (pixel_grad.norm() / (gan_grad.norm() + 1e-4)).clamp(0, 1e4).detach() * 0.8
        loss = pixel + qloss + weight * g_loss
    optimizer_g.zero_grad(set_to_none=True)
    loss.backward()
    optimizer_g.step()
    with autocast:
        real = parts.discriminator(y).float()
        fake = parts.discriminator(prediction.detach()).float()
        d_loss = 0.5 * (F.relu(1 - real).mean() + F.relu(1 + fake).mean())
    optimizer_d.zero_grad(set_to_none=True)
    d_loss.backward()
    optimizer_d.step()


def inference(parts: Parts, x: torch.Tensor, precision: str) -> None:
    with (
        torch.no_grad(),
        torch.autocast(x.device.type, torch.bfloat16, enabled=precision == "bf16"),
    ):
        parts.translate(x)


def timed(function: Callable[[], None], steps: int) -> tuple[float, int]:
    """Median seconds of ``steps`` calls after one warm-up call whose FLOPs are counted."""
    flops = count_flops(function)
    times = [seconds_of(function) for _ in range(steps)]
    return sorted(times)[len(times) // 2], flops


def count_flops(function: Callable[[], None]) -> int:
    with FlopCounterMode(display=False) as counter:
        function()
    return counter.get_total_flops()


def seconds_of(function: Callable[[], None]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def conv_throughput(size: int, device: str) -> dict[str, float]:
    """GFLOP/s of a conv3x3 128→128 on (1, 128, size, size): fp32, channels_last, bf16."""
    conv = nn.Conv2d(128, 128, 3, padding=1).to(device)
    flops = 2 * 128 * 128 * 9 * size * size
    results = {}
    for name, memory, dtype in [
        ("fp32", torch.contiguous_format, torch.float32),
        ("fp32_cl", torch.channels_last, torch.float32),
        ("bf16_cl", torch.channels_last, torch.bfloat16),
    ]:
        layer = conv.to(memory_format=memory, dtype=dtype)
        x = torch.randn(1, 128, size, size, device=device, dtype=dtype).to(memory_format=memory)
        with torch.no_grad():
            seconds, _ = timed(lambda layer=layer, x=x: layer(x), 5)
        results[name] = flops / seconds / 1e9
    return results


def prepare(factory: Callable[[], Parts | None], variant: str, device: str, compile_: bool):
    parts = factory()
    if parts is None:
        return None
    parts = parts.to(device)
    if variant.endswith("_cl"):
        parts = parts.to(memory_format=torch.channels_last)
    if compile_:
        parts.translate = torch.compile(parts.translate)
        parts.discriminator = torch.compile(parts.discriminator)
    optimizers = (
        torch.optim.Adam(parts.translate.parameters(), lr=1e-5, betas=(0.5, 0.9)),
        torch.optim.Adam(parts.discriminator.parameters(), lr=1e-5, betas=(0.5, 0.9)),
    )
    return parts, optimizers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2, help="timed rounds after one warm-up")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--variants", default="fp32,fp32_cl,bf16_cl")
    parser.add_argument("--reference-variants", default="fp32,bf16")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--no-inference", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    device = args.device
    print(
        f"device {device}, threads {torch.get_num_threads()}, batch {args.batch}, "
        f"{args.size}x{args.size}. Variants run round-robin (one step each per round) so that "
        "load from other work on a shared machine hits all alike; compare ratios."
    )
    peak = conv_throughput(args.size, device)
    print("conv3x3 128->128 GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in peak.items()))
    runs = [("i2i", ours, v) for v in args.variants.split(",") if v]
    runs += [("taming", reference, v) for v in args.reference_variants.split(",") if v]
    jobs = []
    for label, factory, variant in runs:
        prepared = prepare(factory, variant, device, args.compile)
        if prepared is None:
            print(f"{label} {variant}: skipped (set TAMING_PATH to a taming-transformers checkout)")
            continue
        jobs.append(_job(label, variant, prepared, args, device))
    for job in jobs:  # warm-up, with FLOP counting
        job["flops"] = count_flops(job["train"])
        if job["infer"] is not None:
            job["infer"]()
    for _ in range(args.steps):
        for job in jobs:
            job["train_s"].append(seconds_of(job["train"]))
            if job["infer"] is not None:
                job["infer_s"].append(seconds_of(job["infer"]))
    _report(jobs, args.batch)


def _job(label: str, variant: str, prepared, args, device: str) -> dict:
    parts, optimizers = prepared
    memory = torch.channels_last if variant.endswith("_cl") else torch.contiguous_format
    x = torch.randn(args.batch, 3, args.size, args.size, device=device)
    y = torch.randn_like(x)
    x, y = x.to(memory_format=memory), y.to(memory_format=memory)
    precision = variant.removesuffix("_cl")

    def train() -> None:
        parts.train()
        training_step(parts, optimizers, x, y, precision)

    def infer() -> None:
        parts.eval()
        inference(parts, x, precision)

    return {
        "label": label,
        "variant": variant,
        "train": train,
        "infer": None if args.no_inference else infer,
        "train_s": [],
        "infer_s": [],
    }


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


def _report(jobs: list[dict], batch: int) -> None:
    baseline = next((j for j in jobs if j["label"] == "taming" and j["variant"] == "fp32"), None)
    base = _median(baseline["train_s"]) if baseline else float("nan")
    print(
        f"{'model':7} {'variant':8} {'train s/step':>12} {'vs taming fp32':>14} "
        f"{'samples/s':>9} {'GFLOP/s':>8} {'TFLOP/step':>10} {'infer s':>8}"
    )
    for job in jobs:
        seconds = _median(job["train_s"])
        print(
            f"{job['label']:7} {job['variant']:8} {seconds:12.2f} {base / seconds:13.2f}x "
            f"{batch / seconds:9.3f} {job['flops'] / seconds / 1e9:8.0f} "
            f"{job['flops'] / 1e12:10.2f} {_median(job['infer_s']):8.2f}"
        )


if __name__ == "__main__":
    main()
