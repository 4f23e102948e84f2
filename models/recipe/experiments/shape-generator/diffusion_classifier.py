"""Diffusion-classifier probe: does the UNet's noise prediction prefer the right shape word?

For rendered scenes ("a large/small {colour} {shape} on a plain {bg} background", 4 per colour/shape pair, 8 held-out
and 8 trained pairs), the image is encoded with the VAE, noised at 6 timesteps (4 noises each), and the UNet's
epsilon error is compared across the 8 captions that differ only in the shape word. The caption with the lowest
error is the UNet's choice (Li et al. 2023, "Your diffusion model is secretly a zero-shot classifier"). It measures
what the UNet knows about shape without sampling, so no judge and no guidance are involved. Chance is 4/32.
Run from the repository root: /usr/bin/python3 models/recipe/experiments/shape-generator/diffusion_classifier.py
(about 2 minutes on 2 cores; it loads the weights in models/recipe/work/).
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import data  # noqa: E402
import export  # noqa: E402
import schedule  # noqa: E402
import toyworld  # noqa: E402

TIMESTEPS = (100, 250, 400, 550, 700, 850)
NOISES = 4


@torch.no_grad()
def probe(tok, de, vae, unet, scaling, size, bg="plain", n_per=4, seed=0):
    rng = np.random.default_rng(seed)
    colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
    ac = schedule.alphas_cumprod()
    train_pairs = [(c, s) for c in colours for s in shapes if (c, s) not in toyworld.HELD_OUT_PAIRS]
    picks = {"held_out": toyworld.HELD_OUT_PAIRS,
             "trained": [train_pairs[i] for i in rng.choice(len(train_pairs), 8, replace=False)]}
    out = {}
    for kind, pairs in picks.items():
        correct, n = np.zeros(len(TIMESTEPS) + 1), 0
        for colour, shape in pairs:
            for _ in range(n_per):
                bgc = [c for c in colours if c != colour][int(rng.integers(0, len(colours) - 1))]
                img = toyworld.render((size, colour, shape, bg, bgc), rng)
                z = vae.encode(data.to_pixels(img[None]))[0] * scaling
                caps = [f"a {size} {colour} {s} on a {bg} {bgc} background" for s in shapes]
                hidden = de.text(torch.tensor([tok(c) for c in caps], dtype=torch.int32))[0]
                errs = np.zeros((len(TIMESTEPS), len(shapes)))
                for j, t in enumerate(TIMESTEPS):
                    g = torch.Generator().manual_seed(1000 * j + n)
                    eps = torch.randn(NOISES, *z.shape[1:], generator=g)
                    xt = (ac[t].sqrt() * z + (1 - ac[t]).sqrt() * eps).repeat(len(shapes), 1, 1, 1)
                    pred = unet(xt, torch.full((len(xt),), t, dtype=torch.int64), hidden.repeat_interleave(NOISES, 0))
                    err = ((pred - eps.repeat(len(shapes), 1, 1, 1)) ** 2).mean((1, 2, 3))
                    errs[j] = err.reshape(len(shapes), NOISES).mean(1).numpy()
                right = shapes.index(shape)
                correct[:len(TIMESTEPS)] += errs.argmin(1) == right
                correct[-1] += errs.mean(0).argmin() == right
                n += 1
        out[kind] = {"n": n, "all_timesteps": int(correct[-1]),
                     "by_timestep": {str(t): int(c) for t, c in zip(TIMESTEPS, correct[:len(TIMESTEPS)])}}
    return out


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = export.load()
    t0 = time.time()
    result = {size: probe(tok, de, vae, unet, meta["scaling_factor"], size) for size in toyworld.SIZES}
    result["chance"] = 1 / len(toyworld.SHAPES)
    result["seconds"] = time.time() - t0
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
