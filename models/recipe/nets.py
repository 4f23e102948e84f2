"""Architectures of the tiny model suite (PyTorch).

They mirror Stable Diffusion's components at toy scale: a CLIP-like text
transformer (causal, pre-LN, final LN, EOS pooling, linear projection), a
small CNN image tower, a KL autoencoder with 8x downsampling, and a
UNet with self- and cross-attention transformer blocks.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_LEN = 77


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class TextBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), QuickGELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TextTransformer(nn.Module):
    """CLIP text tower: returns post-final-LN hidden states and the EOS-pooled vector."""

    def __init__(self, vocab_size, d=128, layers=3, heads=4):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d)
        self.position = nn.Parameter(torch.randn(MAX_LEN, d) * 0.01)
        self.blocks = nn.ModuleList(TextBlock(d, heads) for _ in range(layers))
        self.final_ln = nn.LayerNorm(d)
        self.register_buffer("mask", torch.full((MAX_LEN, MAX_LEN), float("-inf")).triu(1), persistent=False)

    def forward(self, ids):
        ids = ids.long()
        n = ids.shape[1]
        x = self.token(ids) + self.position[:n]
        mask = self.mask[:n, :n]
        for b in self.blocks:
            x = b(x, mask)
        hidden = self.final_ln(x)
        # CLIP pools at the end-of-text token, which has the largest id.
        at = ids.argmax(dim=-1)[:, None, None].expand(-1, 1, hidden.shape[-1])
        pooled = hidden.gather(1, at).squeeze(1)
        return hidden, pooled


def _gn(c):
    return nn.GroupNorm(min(8, c // 4), c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb=None):
        super().__init__()
        self.n1, self.c1 = _gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = _gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(F.silu(t))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class ImageTower(nn.Module):
    """CNN image encoder for the joint embedding space."""

    def __init__(self, e=128, ch=(48, 96, 128)):
        super().__init__()
        # A 4x4 patchify stem keeps the 64 px tower cheap enough for 2 CPU cores.
        layers = [nn.Conv2d(3, ch[0], 4, stride=4)]
        cin = ch[0]
        for i, c in enumerate(ch):
            layers += [ResBlock(cin, c)]
            if i < len(ch) - 1:
                layers += [nn.Conv2d(c, c, 3, stride=2, padding=1)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.norm = _gn(cin)
        self.proj = nn.Linear(cin * 5, e, bias=False)

    def forward(self, pixels):
        h = F.silu(self.norm(self.body(pixels)))          # [b, c, 4, 4]
        layout = F.adaptive_avg_pool2d(h, 2).flatten(1)   # keep coarse layout
        # A global max is translation invariant: with it a shape detector fires wherever the shape is. Average
        # pooling alone learned shape slowly (supervised probe, 300 steps: 37% vs 72% with the max).
        detect = F.adaptive_max_pool2d(h, 1).flatten(1)
        return self.proj(torch.cat([layout, detect], 1))


class DualEncoder(nn.Module):
    def __init__(self, vocab_size, d=128, e=128):
        super().__init__()
        self.text = TextTransformer(vocab_size, d)
        self.text_projection = nn.Linear(d, e, bias=False)
        self.image = ImageTower(e)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def text_embeds(self, ids):
        return self.text_projection(self.text(ids)[1])

    def image_embeds(self, pixels):
        return self.image(pixels)


class Autoencoder(nn.Module):
    """KL autoencoder: 3x64x64 <-> 4x8x8, like SD's VAE at 1/8 scale."""

    def __init__(self, ch=(24, 48, 96), latent=4):
        super().__init__()
        # No residual block at full resolution: it would dominate the cost.
        enc = [nn.Conv2d(3, 16, 3, padding=1), nn.SiLU(), nn.Conv2d(16, ch[0], 3, stride=2, padding=1)]
        cin = ch[0]
        for i, c in enumerate(ch):
            enc += [ResBlock(cin, c)]
            if i < len(ch) - 1:
                enc += [nn.Conv2d(c, c, 3, stride=2, padding=1)]
            cin = c
        enc += [ResBlock(cin, cin), _gn(cin), nn.SiLU(), nn.Conv2d(cin, 2 * latent, 3, padding=1)]
        self.encoder = nn.Sequential(*enc)
        dec = [nn.Conv2d(latent, ch[-1], 3, padding=1), ResBlock(ch[-1], ch[-1])]
        cin = ch[-1]
        for c in reversed(ch):
            dec += [ResBlock(cin, c), nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c, c, 3, padding=1)]
            cin = c
        dec[-1] = nn.Conv2d(cin, 16, 3, padding=1)
        dec += [_gn(16), nn.SiLU(), nn.Conv2d(16, 3, 3, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def encode(self, x):
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(-30, 20)

    def decode(self, z):
        return self.decoder(z)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Attention(nn.Module):
    def __init__(self, d, ctx_dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(d, d, bias=False)
        self.k = nn.Linear(ctx_dim, d, bias=False)
        self.v = nn.Linear(ctx_dim, d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, ctx):
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.k(ctx).reshape(b, -1, h, d // h).transpose(1, 2)
        v = self.v(ctx).reshape(b, -1, h, d // h).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        return self.o((w @ v).transpose(1, 2).reshape(b, n, d))


class SpatialTransformer(nn.Module):
    def __init__(self, c, ctx_dim, heads=4):
        super().__init__()
        self.norm = _gn(c)
        self.proj_in = nn.Linear(c, c)
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(c), nn.LayerNorm(c), nn.LayerNorm(c)
        self.self_attn = Attention(c, c, heads)
        self.cross_attn = Attention(c, ctx_dim, heads)
        self.ff = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.proj_out = nn.Linear(c, c)

    def forward(self, x, ctx):
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x).flatten(2).transpose(1, 2))
        h = h + self.self_attn(self.ln1(h), self.ln1(h))
        h = h + self.cross_attn(self.ln2(h), ctx)
        h = h + self.ff(self.ln3(h))
        h = self.proj_out(h).transpose(1, 2).reshape(b, c, hh, ww)
        return x + h


class UNet(nn.Module):
    """Text-conditioned epsilon-prediction UNet on 4-channel latents."""

    def __init__(self, ctx_dim=128, ch=(32, 64), temb=128):
        super().__init__()
        c0, c1 = ch
        self.temb_dim = c0
        self.time = nn.Sequential(nn.Linear(c0, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(4, c0, 3, padding=1)
        self.d0r, self.d0a = ResBlock(c0, c0, temb), SpatialTransformer(c0, ctx_dim)
        self.down = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.d1r, self.d1a = ResBlock(c0, c1, temb), SpatialTransformer(c1, ctx_dim)
        self.m1, self.ma, self.m2 = ResBlock(c1, c1, temb), SpatialTransformer(c1, ctx_dim), ResBlock(c1, c1, temb)
        self.u1r, self.u1a = ResBlock(c1 + c1, c1, temb), SpatialTransformer(c1, ctx_dim)
        self.up = nn.Conv2d(c1, c1, 3, padding=1)
        self.u0r, self.u0a = ResBlock(c1 + c0, c0, temb), SpatialTransformer(c0, ctx_dim)
        self.out = nn.Sequential(_gn(c0), nn.SiLU(), nn.Conv2d(c0, 4, 3, padding=1))

    def forward(self, sample, timestep, ctx):
        t = self.time(timestep_embedding(timestep, self.temb_dim))
        h0 = self.d0a(self.d0r(self.conv_in(sample), t), ctx)
        h1 = self.d1a(self.d1r(self.down(h0), t), ctx)
        m = self.m2(self.ma(self.m1(h1, t), ctx), t)
        u = self.u1a(self.u1r(torch.cat([m, h1], 1), t), ctx)
        # Upsample to the skip's exact size so any latent size (odd too) works.
        u = self.up(F.interpolate(u, size=h0.shape[-2:], mode="nearest"))
        u = self.u0a(self.u0r(torch.cat([u, h0], 1), t), ctx)
        return self.out(u)


def count_parameters(m):
    return sum(p.numel() for p in m.parameters())
