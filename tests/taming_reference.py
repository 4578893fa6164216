"""A test oracle: taming-transformers' VQModel module structure, written from a reading of
``taming/modules/diffusionmodules/model.py``, ``vqvae/quantize.py`` (VectorQuantizer2) and
``discriminator/model.py`` (NLayerDiscriminator). Deliberately independent of the plugin's
code (explicit attention, its own blocks) so that importing its state dict checks the mapping.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(32, channels, eps=1e-6, affine=True)


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1, self.conv1 = _norm(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2, self.conv2 = _norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x) + h


class AttnBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.norm = _norm(c)
        self.q, self.k, self.v, self.proj_out = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        h = self.norm(x)
        b, c, hh, ww = h.shape
        q = self.q(h).reshape(b, c, hh * ww).permute(0, 2, 1)
        k = self.k(h).reshape(b, c, hh * ww)
        w = torch.softmax(torch.bmm(q, k) * c**-0.5, dim=2)
        v = self.v(h).reshape(b, c, hh * ww)
        out = torch.bmm(v, w.permute(0, 2, 1)).reshape(b, c, hh, ww)
        return x + self.proj_out(out)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 2, 0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Mid(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = ResnetBlock(c, c), AttnBlock(c), ResnetBlock(c, c)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


def _level(blocks, attns, downsample=None, upsample=None) -> nn.Module:
    level = nn.Module()
    level.block, level.attn = nn.ModuleList(blocks), nn.ModuleList(attns)
    if downsample is not None:
        level.downsample = downsample
    if upsample is not None:
        level.upsample = upsample
    return level


def _run_level(level, h):
    for i, block in enumerate(level.block):
        h = block(h)
        if len(level.attn) > 0:
            h = level.attn[i](h)
    return h


class Encoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, in_channels, resolution, z):
        super().__init__()
        self.conv_in = nn.Conv2d(in_channels, ch, 3, 1, 1)
        in_mult, res, self.down = (1, *ch_mult), resolution, nn.ModuleList()
        for i, mult in enumerate(ch_mult):
            cin, cout, blocks, attns = ch * in_mult[i], ch * mult, [], []
            for _ in range(num_res_blocks):
                blocks.append(ResnetBlock(cin, cout))
                cin = cout
                if res in attn_resolutions:
                    attns.append(AttnBlock(cout))
            last = i == len(ch_mult) - 1
            self.down.append(_level(blocks, attns, None if last else Downsample(cout)))
            res = res if last else res // 2
        self.mid, self.norm_out = Mid(cout), _norm(cout)
        self.conv_out = nn.Conv2d(cout, z, 3, 1, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            h = _run_level(level, h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        return self.conv_out(F.silu(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, ch, ch_mult, num_res_blocks, attn_resolutions, out_ch, resolution, z):
        super().__init__()
        cin = ch * ch_mult[-1]
        res = resolution // 2 ** (len(ch_mult) - 1)
        self.conv_in, self.mid = nn.Conv2d(z, cin, 3, 1, 1), Mid(cin)
        self.up = nn.ModuleList()
        for i in reversed(range(len(ch_mult))):
            cout, blocks, attns = ch * ch_mult[i], [], []
            for _ in range(num_res_blocks + 1):
                blocks.append(ResnetBlock(cin, cout))
                cin = cout
                if res in attn_resolutions:
                    attns.append(AttnBlock(cout))
            self.up.insert(0, _level(blocks, attns, upsample=Upsample(cout) if i else None))
            res = res * 2 if i else res
        self.norm_out, self.conv_out = _norm(cin), nn.Conv2d(cin, out_ch, 3, 1, 1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):
            h = _run_level(self.up[i], h)
            if i:
                h = self.up[i].upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class VectorQuantizer2(nn.Module):
    def __init__(self, n_e, e_dim):
        super().__init__()
        self.embedding = nn.Embedding(n_e, e_dim)
        self.embedding.weight.data.uniform_(-1.0, 1.0)  # spread, so codes differ

    def forward(self, z):
        zf = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        d = (
            zf.pow(2).sum(1, keepdim=True)
            + self.embedding.weight.pow(2).sum(1)
            - 2 * zf @ self.embedding.weight.t()
        )
        zq = self.embedding(d.argmin(1)).view(z.shape[0], z.shape[2], z.shape[3], -1)
        return zq.permute(0, 3, 1, 2)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, n_layers):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=False)]
            seq += [nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2**n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=False)]
        seq += [nn.BatchNorm2d(ndf * mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.main = nn.Sequential(*seq)

    def forward(self, x):
        return self.main(x)


class VQModel(nn.Module):
    """encoder → quant_conv → quantize → post_quant_conv → decoder; loss.discriminator."""

    def __init__(
        self,
        ch=32,
        ch_mult=(1, 2),
        num_res_blocks=1,
        attn_resolutions=(16,),
        in_channels=3,
        out_ch=3,
        resolution=32,
        z=3,
        n_embed=64,
        embed_dim=3,
    ):
        super().__init__()
        shape = (ch, ch_mult, num_res_blocks, attn_resolutions)
        self.encoder = Encoder(*shape, in_channels, resolution, z)
        self.decoder = Decoder(*shape, out_ch, resolution, z)
        self.quantize = VectorQuantizer2(n_embed, embed_dim)
        self.quant_conv = nn.Conv2d(z, embed_dim, 1)
        self.post_quant_conv = nn.Conv2d(embed_dim, z, 1)
        self.loss = nn.Module()
        self.loss.discriminator = NLayerDiscriminator(out_ch, 8, 2)

    def forward(self, x):
        return self.decoder(self.post_quant_conv(self.quantize(self.quant_conv(self.encoder(x)))))
