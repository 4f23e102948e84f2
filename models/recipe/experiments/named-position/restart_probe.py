"""Where along the noise schedule does the UNet lose a shape's outline?

Renders "a large {colour} {shape} at the centre on a plain {bg} background" scenes, encodes them with the VAE,
noises the latent to a start timestep (fixed noise), and denoises back with deterministic DDIM (20 steps, guidance
3, the scene's own caption). If the outline survives from t = 200 but not from t = 600, the UNet's low-noise
predictions keep outlines and its high-noise ones do not lay them down. The embedder picks the shape among the
8 captions that differ only in it. Rows of the saved grid: renders, VAE round trip, then one row per start.
Run from the repository root: /usr/bin/python3 models/recipe/experiments/named-position/restart_probe.py OUT.png
(WORK=dir loads another build's weights, VAE=path.pt another VAE such as decoder_finetune.py's, GUIDANCE=g,
OUT_JSON=path saves the counts; about 1 minute on 2 cores).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import data  # noqa: E402
import export  # noqa: E402
import pipeline  # noqa: E402
import schedule  # noqa: E402
import toyworld  # noqa: E402

STARTS = (200, 400, 600, 800, 999)
COLOURS = [("red", "blue"), ("yellow", "purple"), ("green", "white"), ("orange", "cyan")]


@torch.no_grad()
def restart(pipe, latents, cond, uncond, start, guidance, steps=20):
    ac = schedule.alphas_cumprod()
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(latents.shape, generator=g)
    x = ac[start].sqrt() * latents + (1 - ac[start]).sqrt() * noise
    ts = np.linspace(start, 0, steps + 1).round().astype(int)
    ctx = torch.cat([uncond, cond])
    b = x.shape[0]
    for t, prev in zip(ts[:-1], ts[1:]):
        eps = pipe.unet(torch.cat([x, x]), torch.full((2 * b,), int(t), dtype=torch.int64), ctx)
        eps = eps[:b] + guidance * (eps[b:] - eps[:b])
        a, a_prev = ac[t], (ac[prev] if prev > 0 else torch.tensor(1.0))
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return pipe.decode(x)


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    guidance = float(os.environ.get("GUIDANCE", 3.0))
    tok, meta, de, vae, unet = export.load(os.environ.get("WORK", export.WORK))
    if os.environ.get("VAE"):  # e.g. decoder_finetune.py's vae_robust.pt
        vae.load_state_dict(torch.load(os.environ["VAE"]))
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    rng = np.random.default_rng(0)
    scenes = [("large", c, s, "plain", bg) for c, bg in COLOURS for s in toyworld.SHAPES]
    # The committed recipe has no named positions: there the shapes fall where the renderer puts them and the
    # captions do not say (that is how its UNet was trained).
    named = hasattr(toyworld, "POSITIONS")
    where = {"position": "centre"} if named else {}
    captions = [toyworld.caption(*s, **where) for s in scenes]
    images = data.to_pixels(np.stack([toyworld.render(s, rng, *(["centre"] if named else [])) for s in scenes]))
    with torch.no_grad():
        latents = vae.encode(images)[0] * meta["scaling_factor"]
    _, cond, _ = pipe.encode_prompts(captions)
    _, uncond, _ = pipe.encode_prompts([""] * len(captions))

    def judge(batch):
        emb = pipe.image_embeds(batch)
        right = 0
        for i, (size, colour, shape, bg, bgc) in enumerate(scenes):
            cands = [toyworld.caption(size, colour, s, bg, bgc, **where) for s in toyworld.SHAPES]
            right += toyworld.SHAPES[int((pipe.text_embeds(cands) @ emb[i]).argmax())] == shape
        return int(right)

    rows = {"rendered": images, "roundtrip": pipe.decode(latents)}
    for start in STARTS:
        rows[f"from t={start}"] = restart(pipe, latents, cond, uncond, start, guidance)
    result = {name: judge(batch) for name, batch in rows.items()}
    result["n"] = len(scenes)
    result["guidance"] = guidance
    print(json.dumps(result))
    if os.environ.get("OUT_JSON"):
        json.dump(result, open(os.environ["OUT_JSON"], "w"), indent=2)
    grid = [np.concatenate(list(pipeline.to_uint8(batch[:8])), 1) for batch in rows.values()]
    Image.fromarray(np.concatenate(grid, 0)).save(sys.argv[1])


if __name__ == "__main__":
    main()
