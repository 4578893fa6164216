"""The VQGAN plugin: the paper's parameter counts, quantizer options, losses."""

from __future__ import annotations

import pytest
import torch

import i2i
from i2i.model import build_model, parameter_counts

# The model of the bundled paper recipe, at the 3 inputs / 3 outputs the paper's counts are for.
PAPER = i2i.load_recipe(
    "paper_vqgan", ["model.in_channels=3", "model.out_channels=3"]
).model.model_dump()


def test_the_paper_configuration_counts_exactly():
    counts = parameter_counts(build_model(PAPER))
    assert counts["encoder"] == 22_337_411
    assert counts["generator"] == 32_960_771
    assert counts["discriminator"] == 2_765_633
    assert counts["quantizer"] == 8192 * 3 + 2 * (3 * 3 + 3)  # codebook + two 1x1 convs
    assert counts["total"] == 58_088_415


def test_decoder_has_one_more_block_per_level():
    model = build_model({**PAPER, "discriminator": None})
    assert [len(stage.block) for stage in model.encoder.down] == [2, 2, 2]
    assert [len(stage.block) for stage in model.generator.up] == [3, 3, 3]
    assert model.size_multiple == 4


def test_group_count_must_divide_widths():
    with pytest.raises(ValueError, match="multiple of groups"):
        i2i.registries.encoders.get("vqgan").validate_params({"ch": 20})


# ---------------------------------------------------------------------- quantizer
def _quantizer(channels: int = 4, **params):
    return i2i.registries.quantizers.create(
        {"name": "vector", "projections": False, **params}, channels=channels
    )


def _clusters(n_clusters: int = 16, per_cluster: int = 16, dim: int = 4, seed: int = 0):
    """Latents (1, dim, n_clusters, per_cluster) around well separated centres."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(n_clusters, dim, generator=generator) * 3
    points = centres[:, None] + 0.05 * torch.randn(
        n_clusters, per_cluster, dim, generator=generator
    )
    return points.permute(2, 0, 1)[None].contiguous()


def test_straight_through_gradient_and_nearest_codes():
    quantizer = _quantizer(codebook_size=8).eval()
    z = torch.randn(2, 4, 3, 5, requires_grad=True)
    z_q, loss, logs = quantizer(z)
    codes = quantizer.embedding.weight
    flat = z.detach().permute(0, 2, 3, 1).reshape(-1, 4)
    nearest = torch.cdist(flat, codes).argmin(1)
    torch.testing.assert_close(z_q.detach().permute(0, 2, 3, 1).reshape(-1, 4), codes[nearest])
    z_q.sum().backward()
    torch.testing.assert_close(z.grad, torch.ones_like(z))
    assert loss.ndim == 0 and set(logs) >= {"vector/perplexity", "vector/used_codes"}


@pytest.mark.parametrize(("legacy", "ratio"), [(False, 0.25), (True, 4.0)])
def test_beta_placement(legacy, ratio):
    """The commitment gradient (to z) is β times (legacy: 1/β times) the codebook gradient."""
    quantizer = _quantizer(codebook_size=64, legacy_beta=legacy).eval()
    z = torch.randn(1, 4, 1, 1, requires_grad=True)  # one latent, one code: equal-size terms
    _, loss, _ = quantizer(z)
    loss.backward()
    z_grad = z.grad.norm()
    code_grad = quantizer.embedding.weight.grad.norm()
    assert float(z_grad / code_grad) == pytest.approx(ratio, rel=1e-5)


def _train(quantizer, z, steps):
    quantizer.train()
    logs = {}
    for _ in range(steps):
        _, _, logs = quantizer(z)
    return logs


def test_kmeans_initialisation_uses_the_codebook():
    """On 16 separated clusters, k-means codes sit on the clusters; taming's tiny uniform codes
    around 0 catch only the latents nearest the origin."""
    z = _clusters()
    torch.manual_seed(0)
    uniform = _quantizer(codebook_size=16)
    uniform_logs = _train(uniform, z, 1)
    torch.manual_seed(0)
    kmeans = _quantizer(codebook_size=16, init="kmeans")
    kmeans_logs = _train(kmeans, z, 1)
    assert kmeans_logs["vector/used_codes"] * 16 >= 13
    assert kmeans_logs["vector/perplexity"] > uniform_logs["vector/perplexity"] + 3
    with torch.no_grad():
        assert float(kmeans.eval()(z)[1]) < 0.1 * float(uniform.eval()(z)[1])


def test_dead_codes_move_onto_current_latents():
    z = _clusters()
    torch.manual_seed(0)
    quantizer = _quantizer(codebook_size=16, restart_dead_codes=True, usage_decay=0.5)
    restarted = sum(_train(quantizer, z, 1)["vector/restarted_codes"] for _ in range(3))
    assert restarted > 0
    logs = _train(quantizer, z, 20)
    assert logs["vector/used_codes"] * 16 >= 10
    with torch.no_grad():
        loss = quantizer.eval()(z)[1]
        baseline = _quantizer(codebook_size=16).eval()(z)[1]
    assert float(loss) < 0.5 * float(baseline)


def test_ema_codes_follow_their_latents_without_gradients():
    z = _clusters(n_clusters=4, per_cluster=32)
    torch.manual_seed(0)
    quantizer = _quantizer(codebook_size=16, ema=True, init="kmeans", ema_decay=0.5)
    assert not quantizer.embedding.weight.requires_grad
    _train(quantizer, z, 1)
    shifted = z + 0.5
    with torch.no_grad():
        before = quantizer.eval()(shifted)[1]
    _train(quantizer, shifted, 10)
    with torch.no_grad():
        after = quantizer.eval()(shifted)[1]
    assert float(after) < 0.2 * float(before)  # the codes followed the data


def test_normalized_codes_are_unit_vectors():
    quantizer = _quantizer(codebook_size=8, normalize=True).eval()
    z_q, _, _ = quantizer(torch.randn(2, 4, 3, 3) * 5)
    torch.testing.assert_close(z_q.norm(dim=1), torch.ones(2, 3, 3))


def test_quantizer_runs_under_bf16_autocast():
    quantizer = i2i.registries.quantizers.create(
        {"name": "vector", "codebook_size": 16}, channels=4
    )
    z = torch.randn(1, 4, 4, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        z_q, loss, _ = quantizer(z)
    assert z_q.shape == z.shape and loss.dtype == torch.float32


# ---------------------------------------------------------------------- losses
def _gan(**params):
    return i2i.registries.losses.create({"name": "gan", **params})


def test_adaptive_weight_balances_gradients_at_the_last_layer():
    layer = torch.nn.Conv2d(2, 1, 1)
    x = torch.randn(1, 2, 4, 4)
    prediction = layer(x)
    pixel = prediction.abs().mean()
    logits = 3.0 * prediction
    loss, logs = _gan(disc_weight=0.8).generator_loss(pixel, logits, layer.weight, step=0)
    g = -logits.mean()
    pixel_grad = torch.autograd.grad(pixel, layer.weight, retain_graph=True)[0]
    gan_grad = torch.autograd.grad(g, layer.weight, retain_graph=True)[0]
    expected = 0.8 * pixel_grad.norm() / (gan_grad.norm() + 1e-4)
    assert logs["gan/d_weight"] == pytest.approx(float(expected), rel=1e-5)
    assert loss.item() == pytest.approx((expected * g).item(), rel=1e-5)
    assert set(logs) == {"gan/g_loss", "gan/d_weight"}


def test_adversarial_terms_wait_for_disc_start():
    gan = _gan(disc_start=100)
    logits = torch.randn(1, 1, 3, 3, requires_grad=True)
    g_loss, logs = gan.generator_loss(logits.mean(), logits, None, step=99)
    assert float(g_loss) == 0.0 and logs["gan/d_weight"] == 0.0
    d_loss, _ = gan.discriminator_loss(logits, logits, step=99)
    assert float(d_loss.detach()) == 0.0
    d_loss, _ = gan.discriminator_loss(logits, logits, step=100)
    assert float(d_loss.detach()) > 0


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("hinge", 0.5 * (0.0 + 3.0)), ("vanilla", 0.5 * (0.126928 + 2.126928))],
)
def test_discriminator_objectives(kind, expected):
    real, fake = torch.full((1, 1, 2, 2), 2.0), torch.full((1, 1, 2, 2), 2.0)
    loss, logs = _gan(loss=kind).discriminator_loss(real, fake, step=0)
    assert float(loss) == pytest.approx(expected, rel=1e-5)
    assert logs["gan/logits_real"] == 2.0


def test_codebook_loss_weights_the_quantizer_loss():
    loss, logs = i2i.registries.losses.create({"name": "codebook", "weight": 0.5})(
        torch.tensor(3.0)
    )
    assert float(loss) == 1.5 and logs == {"codebook/loss": 1.5}
    assert i2i.registries.losses.create({"name": "codebook"}).role == "codebook"


def test_cpu_attention_matches_the_fused_kernel_it_replaces(monkeypatch):
    """Explicit CPU attention (two matmuls) and scaled_dot_product_attention agree, with grads."""
    from i2i_plugins.vqgan import blocks

    torch.manual_seed(0)
    block = blocks.AttnBlock(32, groups=8)
    x = torch.randn(2, 32, 12, 10, requires_grad=True)
    outputs = []
    for limit in (blocks.EXPLICIT_ATTENTION_TOKENS, 0):  # explicit, then fused
        monkeypatch.setattr(blocks, "EXPLICIT_ATTENTION_TOKENS", limit)
        x.grad = None
        y = block(x)
        y.square().sum().backward()
        outputs.append((y.detach(), x.grad.clone()))
    (y_explicit, g_explicit), (y_fused, g_fused) = outputs
    assert torch.allclose(y_explicit, y_fused, atol=1e-5)
    assert torch.allclose(g_explicit, g_fused, atol=1e-4)
