"""Trains the tiny suite in three stages: dual encoder, autoencoder, UNet.

Each stage saves a checkpoint under work/ and is skipped when its checkpoint
exists, so an interrupted build resumes. Seeds are fixed.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import data
import nets
import schedule
import toyworld

WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work")
STEPS = dict(embedder=int(os.environ.get("EMBEDDER_STEPS", 1500)),
             vae=int(os.environ.get("VAE_STEPS", 1000)),
             unet=int(os.environ.get("UNET_STEPS", 4000)),
             unet_refine=int(os.environ.get("UNET_REFINE_STEPS", 0)))
BATCH = dict(embedder=128, vae=32, unet=64)
# Of each embedder batch, SHAPE_GROUPS x SHAPES_PER_GROUP images are rendered on the fly as groups that differ
# only in the shape. Random batches almost never need shape to tell captions apart (colour nearly fixes the
# caption), so without these hard negatives the embedder learned colour and barely shape (40% shape-only
# choice on held-out images, chance 12.5%; models/recipe/experiments/shape-embedder/).
SHAPE_GROUPS, SHAPES_PER_GROUP = int(os.environ.get("SHAPE_GROUPS", 16)), 4
# The UNet's loss weights latent pixels near a shape's outline up to 1 + OUTLINE_WEIGHT times. Unweighted, the
# outline is a few latent pixels against backgrounds whose stripe phase and checker size are random, and the UNet
# restored no outline even from t = 200 (experiments/named-position/restart_probe.py).
OUTLINE_WEIGHT = float(os.environ.get("OUTLINE_WEIGHT", 4.0))


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def lr_at(step, total, peak):
    warm = max(1, total // 20)
    if step < warm:
        return peak * (step + 1) / warm
    return peak * 0.5 * (1 + np.cos(np.pi * (step - warm) / (total - warm)))


def shape_groups(rng, train_scenes, groups, per_group):
    """Scenes that share size, colour, position and background and differ only in shape (training pairs only)."""
    held = set(toyworld.HELD_OUT_PAIRS)
    positions = list(toyworld.POSITIONS)
    images, captions = [], []
    for _ in range(groups):
        size, colour, _, bg, bgc = train_scenes[rng.integers(len(train_scenes))]
        allowed = [s for s in toyworld.SHAPES if (colour, s) not in held]
        variant = int(rng.integers(0, 4))
        position = positions[rng.integers(len(positions))]
        named = None if rng.random() < data.POSITION_DROP else position
        for shape in rng.choice(allowed, per_group, replace=False):
            scene = (size, colour, str(shape), bg, bgc)
            images.append(toyworld.render(scene, rng, position))
            captions.append(toyworld.caption(*scene, variant=variant, position=named))
    return np.stack(images), captions


def train_embedder(ds, tok):
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    model = nets.DualEncoder(len(tok.vocab))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    imgs, capi, uniq = ds["images"], ds["caption_index"], ds["unique_captions"]
    train_scenes, _ = toyworld.split_scenes()
    token_cache = {c: t for c, t in zip(uniq, ds["unique_tokens"])}
    n, total, t0 = len(imgs), STEPS["embedder"], time.time()
    hard = SHAPE_GROUPS * SHAPES_PER_GROUP
    for step in range(total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, 1e-3)
        idx = rng.integers(0, n, BATCH["embedder"] - hard)
        batch_imgs, captions = imgs[idx], [uniq[i] for i in capi[idx]]
        if hard:
            group_imgs, group_caps = shape_groups(rng, train_scenes, SHAPE_GROUPS, SHAPES_PER_GROUP)
            batch_imgs, captions = np.concatenate([batch_imgs, group_imgs]), captions + group_caps
        for c in captions:
            if c not in token_cache:
                token_cache[c] = np.array(tok(c), dtype=np.int64)
        ids = torch.from_numpy(np.stack([token_cache[c] for c in captions]))
        # The text tower is causal, so running only up to the longest prompt is exact.
        length = int((ids != ids.max(dim=1, keepdim=True).values).sum(1).max()) + 1
        pixels = data.to_embedder_input(data.to_pixels(batch_imgs) * 0.5 + 0.5)
        t = F.normalize(model.text_embeds(ids[:, :length]), dim=-1)
        v = F.normalize(model.image_embeds(pixels), dim=-1)
        logits = model.logit_scale.exp().clamp(max=100) * v @ t.T
        # Identical captions in a batch are all positives (duplicates are common).
        same = torch.tensor([[a == b for b in captions] for a in captions], dtype=torch.float32)
        target = same / same.sum(1, keepdim=True)
        loss = 0.5 * (-(target * F.log_softmax(logits, 1)).sum(1).mean()
                      - (target * F.log_softmax(logits.T, 1)).sum(1).mean())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == total - 1:
            log(f"embedder step {step}/{total} loss {loss.item():.4f} ({time.time() - t0:.0f}s)")
    return model, time.time() - t0


def train_vae(ds):
    torch.manual_seed(2)
    rng = np.random.default_rng(2)
    model = nets.Autoencoder()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    imgs, n, total, t0 = ds["images"], len(ds["images"]), STEPS["vae"], time.time()
    for step in range(total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, 1e-3)
        x = data.to_pixels(imgs[rng.integers(0, n, BATCH["vae"])])
        mean, logvar = model.encode(x)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        y = model.decode(z)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = F.mse_loss(y, x) + 0.5 * F.l1_loss(y, x) + 1e-4 * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == total - 1:
            log(f"vae step {step}/{total} loss {loss.item():.4f} kl {kl.item():.2f} ({time.time() - t0:.0f}s)")
    return model, time.time() - t0


@torch.no_grad()
def encode_latents(vae, images, batch=256):
    out = []
    for i in range(0, len(images), batch):
        out.append(vae.encode(data.to_pixels(images[i:i + batch]))[0])
    return torch.cat(out)


@torch.no_grad()
def encode_captions(text, tokens, batch=256):
    out = []
    for i in range(0, len(tokens), batch):
        out.append(text(torch.from_numpy(tokens[i:i + batch]))[0])
    return torch.cat(out)


def outline_weights(masks, factor):
    """Per-latent-pixel loss weights [n,1,h,w]: 1 + OUTLINE_WEIGHT x the share of the latent pixel within 4 px of
    the shape's boundary (dilation minus erosion of the mask)."""
    out = []
    for i in range(0, len(masks), 1024):
        m = torch.from_numpy(masks[i:i + 1024]).float()[:, None]
        band = F.max_pool2d(m, 9, 1, 4) + F.max_pool2d(-m, 9, 1, 4)   # dilate(m) - erode(m)
        out.append(1 + OUTLINE_WEIGHT * F.avg_pool2d(band, factor))
    return torch.cat(out)


def train_unet(ds, latents, hidden, uncond, start=None, seed=3, total=None, peak=1e-3, label="unet"):
    """Phase 1 trains from scratch; phase 2 ("refine") continues from phase 1 with a fresh cosine schedule."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = nets.UNet(ctx_dim=hidden.shape[-1])
    if start is not None:
        model.load_state_dict(start)
    opt = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=0.0)
    ac = schedule.alphas_cumprod()
    capi, n, t0 = ds["caption_index"], len(latents), time.time()
    total = total or STEPS["unet"]
    weights = outline_weights(ds["masks"], ds["images"].shape[1] // latents.shape[-1])
    # Memorized images keep their share of the gradient: left at weight 1 against the grammar's heavier outlines,
    # their share fell and memorization at guidance 3 went from 86.5% to 4.2% (experiments/named-position/).
    mem = torch.from_numpy(ds["memorized"] >= 0)
    weights[mem] = weights[~mem].mean()
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for step in range(total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, peak)
        idx = rng.integers(0, n, BATCH["unet"])
        x0 = latents[idx]
        ctx = hidden[torch.from_numpy(capi[idx])].clone()
        drop = torch.from_numpy(rng.random(len(idx)) < 0.1)
        ctx[drop] = uncond           # classifier-free guidance dropout
        t = torch.from_numpy(rng.integers(0, 1000, len(idx)))
        eps = torch.randn_like(x0)
        a = ac[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        w = weights[idx]
        loss = (w * (model(xt, t, ctx) - eps) ** 2).mean() / w.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            decay = min(0.999, (1 + step) / (10 + step))
            for k, v in model.state_dict().items():
                ema[k].mul_(decay).add_(v.detach(), alpha=1 - decay) if v.dtype.is_floating_point else ema[k].copy_(v)
        if step % 50 == 0 or step == total - 1:
            log(f"{label} step {step}/{total} loss {loss.item():.4f} ({time.time() - t0:.0f}s)")
    model.load_state_dict(ema)
    return model, time.time() - t0


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    os.makedirs(WORK, exist_ok=True)
    t_start = time.time()
    tok = bpe.Tokenizer(bpe.train_merges(toyworld.vocabulary_words()))
    log(f"tokenizer: {len(tok.merges)} merges, vocab {len(tok.vocab)}")
    ds = data.build(tok)
    log(f"data: {len(ds['images'])} images, {len(ds['unique_captions'])} unique captions")
    meta_path = os.path.join(WORK, "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}

    ck = os.path.join(WORK, "embedder.pt")
    if not os.path.exists(ck):
        de, secs = train_embedder(ds, tok)
        torch.save(de.state_dict(), ck)
        meta["embedder_seconds"] = secs
        json.dump(meta, open(meta_path, "w"), indent=2)
    de = nets.DualEncoder(len(tok.vocab))
    de.load_state_dict(torch.load(ck))
    de.eval()

    ck = os.path.join(WORK, "vae.pt")
    if not os.path.exists(ck):
        vae, secs = train_vae(ds)
        torch.save(vae.state_dict(), ck)
        meta["vae_seconds"] = secs
        json.dump(meta, open(meta_path, "w"), indent=2)
    vae = nets.Autoencoder()
    vae.load_state_dict(torch.load(ck))
    vae.eval()

    ck = os.path.join(WORK, "unet.pt")
    ck2 = os.path.join(WORK, "unet_refined.pt")
    if not os.path.exists(ck) or (STEPS["unet_refine"] > 0 and not os.path.exists(ck2)):
        latents = encode_latents(vae, ds["images"])
        scaling = float(1.0 / latents.std())
        meta["scaling_factor"] = scaling
        hidden = encode_captions(de.text, ds["unique_tokens"])
        uncond = encode_captions(de.text, np.array([tok("")]))[0]
        log(f"latents {tuple(latents.shape)} scaling {scaling:.5f}; conditioning {tuple(hidden.shape)}")
        if not os.path.exists(ck):
            unet, secs = train_unet(ds, latents * scaling, hidden, uncond)
            torch.save(unet.state_dict(), ck)
            meta["unet_seconds"] = secs
            json.dump(meta, open(meta_path, "w"), indent=2)
        if STEPS["unet_refine"] > 0:
            unet, secs = train_unet(ds, latents * scaling, hidden, uncond, start=torch.load(ck), seed=4,
                                    total=STEPS["unet_refine"], peak=5e-4, label="unet-refine")
            torch.save(unet.state_dict(), ck2)
            meta["unet_refine_seconds"] = secs
    meta["steps"], meta["batch"] = STEPS, BATCH
    meta["embedder_shape_groups"] = [SHAPE_GROUPS, SHAPES_PER_GROUP]
    meta["unet_outline_weight"] = OUTLINE_WEIGHT
    meta["train_wall_seconds_this_run"] = time.time() - t_start
    json.dump(meta, open(meta_path, "w"), indent=2)
    log("training done")


if __name__ == "__main__":
    sys.exit(main())
