"""Which generator renders shapes? A sweep of VAE latent resolution, UNet training length and width.

Each configuration trains its own VAE and UNet on the recipe's data with the recipe's batch sizes and learning
rates (the conditioning comes from the committed embedder's frozen text tower), then generates held-out and trained
colour/shape prompts at guidance 3 and judges them two ways:
  - an oracle: a supervised CNN trained on renders of every scene to name the shape and colour, and
  - the committed embedder, exactly as evaluate.generalization does (argmax over the 8 captions differing in shape).
It also measures memorization of the 12 memorized captions at guidance 3 (committed embedder, tau 0.9).

Run from the repository root:
  python3 models/recipe/experiments/latent-resolution/sweep.py OUTDIR [config ...]
It was written for the GPU machine (one run, all configs in parallel processes); on CPU it is slow.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, RECIPE)

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import bpe
import data
import nets
import schedule
import toyworld

CONFIGS = {
    "f8-2k": dict(vae_ch=(24, 48, 96), unet_steps=2000),
    "f8-8k": dict(vae_ch=(24, 48, 96), unet_steps=8000),
    "f4-2k": dict(vae_ch=(24, 48), unet_steps=2000),
    "f4-6k": dict(vae_ch=(24, 48), unet_steps=6000),
    "f4-2k-aug": dict(vae_ch=(24, 48), unet_steps=2000, drop_colour=0.25),
    "f4-2k-wide": dict(vae_ch=(24, 48), unet_steps=2000, unet_ch=(48, 96)),
    # Affordable on 2 CPU cores: the committed UNet runs at 8x8 inside one attention-free 16x16 level.
    "f4-2k-lite": dict(vae_ch=(24, 48), unet_steps=2000, unet="lite"),
}
DEADLINE = float(os.environ.get("SWEEP_DEADLINE", 330))  # seconds of training per config, then it stops early
DEV = "cuda" if torch.cuda.is_available() else "cpu"
SMOKE = os.environ.get("SWEEP_SMOKE") == "1"


def _timestep_embedding(t, dim):
    # nets' version builds its frequencies on the CPU; here they follow the timesteps' device.
    half = dim // 2
    freqs = torch.exp(-np.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


nets.timestep_embedding = _timestep_embedding


def _to_embedder_input(images01):
    mean = torch.tensor(data.CLIP_MEAN, device=images01.device).view(1, 3, 1, 1)
    std = torch.tensor(data.CLIP_STD, device=images01.device).view(1, 3, 1, 1)
    return (images01 - mean) / std


data.to_embedder_input = _to_embedder_input


class LiteUNet16(nn.Module):
    """16x16 latents: an attention-free outer level (one residual block each way) around the committed UNet's
    8x8 core, so most of the cost stays at 8x8."""

    def __init__(self, ctx_dim=128, c=32):
        super().__init__()
        self.core = nets.UNet(ctx_dim=ctx_dim, ch=(32, 64))  # the pre-2026-11-29 recipe width
        self.core.conv_in, self.core.out = nn.Identity(), nn.Identity()
        temb = self.core.time[-1].out_features
        self.conv_in = nn.Conv2d(4, c, 3, padding=1)
        self.enc = nets.ResBlock(c, c, temb)
        self.down = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.up = nn.Conv2d(c, c, 3, padding=1)
        self.dec = nets.ResBlock(c + c, c, temb)
        self.out = nn.Sequential(nets._gn(c), nn.SiLU(), nn.Conv2d(c, 4, 3, padding=1))

    def forward(self, sample, timestep, ctx):
        u = self.core
        t = u.time(nets.timestep_embedding(timestep, u.temb_dim))
        e = self.enc(self.conv_in(sample), t)
        h0 = u.d0a(u.d0r(self.down(e), t), ctx)
        h1 = u.d1a(u.d1r(u.down(h0), t), ctx)
        m = u.m2(u.ma(u.m1(h1, t), ctx), t)
        x = u.u1a(u.u1r(torch.cat([m, h1], 1), t), ctx)
        x = u.up(F.interpolate(x, size=h0.shape[-2:], mode="nearest"))
        x = u.u0a(u.u0r(torch.cat([x, h0], 1), t), ctx)
        x = self.up(F.interpolate(x, size=e.shape[-2:], mode="nearest"))
        return self.out(self.dec(torch.cat([x, e], 1), t))


def lr_at(step, total, peak):
    warm = max(1, total // 20)
    if step < warm:
        return peak * (step + 1) / warm
    return peak * 0.5 * (1 + np.cos(np.pi * (step - warm) / (total - warm)))


class Oracle(nn.Module):
    def __init__(self):
        super().__init__()
        c = [3, 32, 64, 128, 128]
        layers = []
        for i in range(4):
            layers += [nn.Conv2d(c[i], c[i + 1], 3, padding=1), nn.GroupNorm(8, c[i + 1]), nn.SiLU(),
                       nn.Conv2d(c[i + 1], c[i + 1], 3, padding=1, stride=2 if i < 3 else 1), nn.SiLU()]
        self.body = nn.Sequential(*layers)
        self.shape = nn.Linear(256, len(toyworld.SHAPES))
        self.colour = nn.Linear(256, len(toyworld.COLOURS))

    def forward(self, x):  # x in [-1, 1]
        h = self.body(x)
        h = torch.cat([h.amax((2, 3)), h.mean((2, 3))], 1)
        return self.shape(h), self.colour(h)


def train_oracle(path, steps):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    scenes = list(toyworld.all_scenes())
    model = Oracle().to(DEV)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    colours = list(toyworld.COLOURS)
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, 2e-3)
        sc = [scenes[i] for i in rng.integers(0, len(scenes), 128)]
        x = data.to_pixels(np.stack([toyworld.render(s, rng) for s in sc])).to(DEV)
        # Blur half the batch a little: generated images are softer than renders.
        if step % 2:
            x = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)
        ys = torch.tensor([toyworld.SHAPES.index(s[2]) for s in sc], device=DEV)
        yc = torch.tensor([colours.index(s[1]) for s in sc], device=DEV)
        ps, pc = model(x)
        loss = F.cross_entropy(ps, ys) + F.cross_entropy(pc, yc)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"oracle {step} {loss.item():.3f}", flush=True)
    model.eval()
    torch.save(model.state_dict(), path + ".tmp")
    os.replace(path + ".tmp", path)


@torch.no_grad()
def text_states(de, tok, captions):
    ids = torch.tensor([tok(c) for c in captions], dtype=torch.int64, device=DEV)
    out = []
    for i in range(0, len(ids), 512):
        out.append(de.text(ids[i:i + 512])[0])
    return torch.cat(out)


def run_config(name, out):
    cfg = CONFIGS[name]
    t_start = time.time()
    torch.manual_seed(2)
    rng = np.random.default_rng(2)
    tok = bpe.Tokenizer(bpe.train_merges(toyworld.vocabulary_words()))
    ds = data.build(tok)
    de = nets.DualEncoder(len(tok.vocab))
    de.load_state_dict(torch.load(os.path.join(RECIPE, "work", "embedder.pt"), map_location="cpu"))
    de.to(DEV).eval()
    images = data.to_pixels(ds["images"]).to(DEV)
    result = {"config": name, **{k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}}

    vae = nets.Autoencoder(ch=cfg["vae_ch"]).to(DEV)
    opt = torch.optim.AdamW(vae.parameters(), lr=1e-3, weight_decay=0.0)
    vae_steps = 20 if SMOKE else 1000
    for step in range(vae_steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, vae_steps, 1e-3)
        x = images[torch.from_numpy(rng.integers(0, len(images), 32)).to(DEV)]
        mean, logvar = vae.encode(x)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        y = vae.decode(z)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = F.mse_loss(y, x) + 0.5 * F.l1_loss(y, x) + 1e-4 * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
    vae.eval()
    with torch.no_grad():
        latents = torch.cat([vae.encode(images[i:i + 512])[0] for i in range(0, len(images), 512)])
    scaling = float(1.0 / latents.std())
    latents = latents * scaling
    result["latent_shape"] = list(latents.shape[1:])
    result["vae_seconds"] = time.time() - t_start
    print(f"{name}: vae done {result['vae_seconds']:.0f}s latents {tuple(latents.shape)}", flush=True)

    hidden = text_states(de, tok, ds["unique_captions"])
    uncond = text_states(de, tok, [""])[0]
    capi = torch.from_numpy(ds["caption_index"]).to(DEV)
    drop_colour = cfg.get("drop_colour", 0.0)
    if drop_colour:
        # The same captions with the colour word removed ("a star on a blue background"), for grammar scenes only.
        nocol = []
        for c in ds["unique_captions"]:
            words = c.split(" ")
            if words[0] == "a" and "painting" not in c:
                first = next(i for i, w in enumerate(words) if w in toyworld.COLOURS)
                words = words[:first] + words[first + 1:]
            nocol.append(" ".join(words))
        hidden_nc = text_states(de, tok, nocol)
        grammar = torch.from_numpy(ds["memorized"] < 0).to(DEV)

    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    if cfg.get("unet") == "lite":
        unet = LiteUNet16(ctx_dim=hidden.shape[-1]).to(DEV)
    else:
        unet = nets.UNet(ctx_dim=hidden.shape[-1], ch=cfg.get("unet_ch", (32, 64))).to(DEV)
    opt = torch.optim.AdamW(unet.parameters(), lr=1e-3, weight_decay=0.0)
    ac = schedule.alphas_cumprod().to(DEV)
    total = 20 if SMOKE else cfg["unet_steps"]
    ema = {k: v.detach().clone() for k, v in unet.state_dict().items()}
    t0 = time.time()
    done = total
    for step in range(total):
        if time.time() - t_start > DEADLINE:
            done = step
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, 1e-3)
        idx = torch.from_numpy(rng.integers(0, len(latents), 64)).to(DEV)
        x0 = latents[idx]
        ctx = hidden[capi[idx]].clone()
        if drop_colour:
            swap = (torch.rand(len(idx), device=DEV) < drop_colour) & grammar[idx]
            ctx[swap] = hidden_nc[capi[idx]][swap]
        drop = torch.rand(len(idx), device=DEV) < 0.1
        ctx[drop] = uncond
        t = torch.randint(0, 1000, (len(idx),), device=DEV)
        eps = torch.randn_like(x0)
        a = ac[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(unet(xt, t, ctx), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            decay = min(0.999, (1 + step) / (10 + step))
            for k, v in unet.state_dict().items():
                if v.dtype.is_floating_point:
                    ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay)
        if step % 500 == 0:
            print(f"{name}: unet {step}/{total} loss {loss.item():.4f} ({time.time() - t0:.0f}s)", flush=True)
    unet.load_state_dict(ema)
    unet.eval()
    result["unet_steps_done"] = done
    result["unet_seconds"] = time.time() - t0
    result["unet_params"] = nets.count_parameters(unet)
    result["vae_params"] = nets.count_parameters(vae)
    result.update(evaluate(name, tok, de, vae, unet, scaling, latents.shape[1:]))
    result["wall_seconds"] = time.time() - t_start
    json.dump(result, open(os.path.join(out, f"{name}.json"), "w"), indent=1)
    print(f"{name}: {json.dumps(result)}", flush=True)


@torch.no_grad()
def generate(tok, de, vae, unet, scaling, lshape, prompts, seeds, guidance=3.0, steps=20):
    cond = text_states(de, tok, prompts)
    uncond = text_states(de, tok, [""]).expand(len(prompts), -1, -1)
    noise = torch.stack([torch.randn(*lshape, generator=torch.Generator().manual_seed(s)) for s in seeds]).to(DEV)
    sched = schedule.PNDM()
    sched.set_timesteps(steps)
    sched.ac = sched.ac.to(DEV)
    sched.final_ac = sched.final_ac.to(DEV)
    x = noise
    ctx = torch.cat([uncond, cond])
    b = len(prompts)
    for t in sched.timesteps:
        eps = unet(torch.cat([x, x]), torch.full((2 * b,), int(t), dtype=torch.int64, device=DEV), ctx)
        eu, ec = eps[:b], eps[b:]
        x = sched.step(eu + guidance * (ec - eu), t, x)
    return vae.decode(x / scaling).clamp(-1, 1)


@torch.no_grad()
def evaluate(name, tok, de, vae, unet, scaling, lshape):
    while not os.path.exists(os.environ["ORACLE"]):  # still training in the parent process
        time.sleep(5)
    oracle = Oracle().to(DEV)
    oracle.load_state_dict(torch.load(os.environ["ORACLE"], map_location=DEV))
    oracle.eval()
    colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
    train_pairs = [(c, s) for c in colours for s in shapes if (c, s) not in toyworld.HELD_OUT_PAIRS]
    rng = np.random.default_rng(7)
    picks = {"held_out": toyworld.HELD_OUT_PAIRS,
             "trained": [train_pairs[i] for i in rng.choice(len(train_pairs), 8, replace=False)]}
    seeds = list(range(100, 108)) if not SMOKE else [100]
    res = {}
    for kind, pairs in picks.items():
        for size in ("", "large ", "small "):
            prompts, meta = [], []
            for colour, shape in pairs:
                bgc = [c for c in colours if c != colour][int(rng.integers(0, len(colours) - 1))]
                for s in seeds:
                    prompts.append(f"a {size}{colour} {shape} on a {bgc} background")
                    meta.append((colour, shape, bgc))
            imgs = generate(tok, de, vae, unet, scaling, lshape, prompts, seeds * len(pairs))
            ps, pc = oracle(imgs)
            ys = torch.tensor([shapes.index(m[1]) for m in meta], device=DEV)
            yc = torch.tensor([colours.index(m[0]) for m in meta], device=DEV)
            emb = F.normalize(de.image_embeds(data.to_embedder_input((imgs + 1) / 2)), dim=-1)
            right = 0
            for i, (colour, shape, bgc) in enumerate(meta):
                caps = [f"a {colour} {s} on a {bgc} background" for s in shapes]
                ids = torch.tensor([tok(c) for c in caps], dtype=torch.int64, device=DEV)
                te = F.normalize(de.text_embeds(ids), dim=-1)
                right += int(shapes[int((te @ emb[i]).argmax())] == shape)
            key = f"{kind}/{size.strip() or 'any'}"
            res[key] = {"n": len(prompts), "oracle_shape": int((ps.argmax(1) == ys).sum()),
                        "oracle_colour": int((pc.argmax(1) == yc).sum()), "embedder_shape": right}
    # Oracle on renders and their VAE round trip (held-out scenes): how much shape the VAE itself keeps.
    _, test = toyworld.split_scenes()
    r2 = np.random.default_rng(3)
    sc = [test[i] for i in r2.choice(len(test), 256, replace=False)]
    x = data.to_pixels(np.stack([toyworld.render(s, r2) for s in sc])).to(DEV)
    ys = torch.tensor([shapes.index(s[2]) for s in sc], device=DEV)
    res["oracle_rendered"] = int((oracle(x)[0].argmax(1) == ys).sum())
    res["oracle_roundtrip"] = int((oracle(vae.decode(vae.encode(x)[0]).clamp(-1, 1))[0].argmax(1) == ys).sum())
    res["oracle_n"] = 256
    # Memorization at guidance 3 (committed embedder, tau 0.9).
    mem = toyworld.memorized_set()
    ref = F.normalize(de.image_embeds(data.to_embedder_input((data.to_pixels(np.stack([m[2] for m in mem])).to(DEV) + 1) / 2)), dim=-1)
    prompts = [m[1] for m in mem for _ in range(8)]
    imgs = generate(tok, de, vae, unet, scaling, lshape, prompts, list(range(8)) * len(mem))
    emb = F.normalize(de.image_embeds(data.to_embedder_input((imgs + 1) / 2)), dim=-1)
    cos = (emb * ref.repeat_interleave(8, 0)).sum(1)
    res["memorized"] = int((cos >= 0.9).sum())
    res["memorized_n"] = len(prompts)
    return res


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--one":
        run_config(sys.argv[3], out)
        return
    names = sys.argv[2:] or list(CONFIGS)
    if DEV == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
    oracle = os.environ.get("ORACLE_PATH", os.path.join(out, "oracle.pt"))
    # The configurations only need the oracle when they evaluate, so it trains while they do.
    env = dict(os.environ, ORACLE=oracle, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="2")
    procs = [subprocess.Popen([sys.executable, __file__, out, "--one", n], env=env) for n in names]
    t0 = time.time()
    train_oracle(oracle, 30 if SMOKE else int(os.environ.get("ORACLE_STEPS", 800)))
    print(f"oracle trained in {time.time() - t0:.0f}s", flush=True)
    for p in procs:
        p.wait()
    rows = [json.load(open(os.path.join(out, f"{n}.json"))) for n in names if os.path.exists(os.path.join(out, f"{n}.json"))]
    json.dump(rows, open(os.path.join(out, "sweep.json"), "w"), indent=1)
    print("config | steps | oracle shape held-out any/large/small | trained any/large/small | embedder shape held-out/trained (any) | VAE oracle render/roundtrip | memorized")
    for r in rows:
        f = lambda k, m: f"{r[k][m]}/{r[k]['n']}"
        print(f"{r['config']} | {r['unet_steps_done']} | {f('held_out/any', 'oracle_shape')} {f('held_out/large', 'oracle_shape')} {f('held_out/small', 'oracle_shape')}"
              f" | {f('trained/any', 'oracle_shape')} {f('trained/large', 'oracle_shape')} {f('trained/small', 'oracle_shape')}"
              f" | {f('held_out/any', 'embedder_shape')} {f('trained/any', 'embedder_shape')}"
              f" | {r['oracle_rendered']}/{r['oracle_n']} {r['oracle_roundtrip']}/{r['oracle_n']} | {r['memorized']}/{r['memorized_n']}"
              f" | colour held-out {f('held_out/any', 'oracle_colour')}", flush=True)


if __name__ == "__main__":
    main()
