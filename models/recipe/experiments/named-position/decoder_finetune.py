"""Does a decoder that tolerates imprecise latents rescue the UNet's outlines?

restart_probe.py shows the UNet blurs and speckles a shape's latent even when it starts from t = 200. This
fine-tunes only the VAE decoder (the encoder, and so the latent space the UNet was trained on, stays fixed) to
reconstruct the clean image from perturbed encoder latents: Gaussian noise (std up to SIGMA in the UNet's scaled
units) and, for half the batch, a partial 3x3 blur (mix weight up to 0.5). Saves WORK/vae_robust.pt.
Run from the repository root: /usr/bin/python3 models/recipe/experiments/named-position/decoder_finetune.py
(WORK=dir picks the build; STEPS, default 400; about 4 minutes on 2 cores).
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import bpe  # noqa: E402
import data  # noqa: E402
import export  # noqa: E402
import toyworld  # noqa: E402

SIGMA = 0.4


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    work = os.environ.get("WORK", export.WORK)
    steps = int(os.environ.get("STEPS", 400))
    tok, meta, de, vae, unet = export.load(work)
    scaling = meta["scaling_factor"]
    ds = data.build(bpe.Tokenizer(bpe.train_merges(toyworld.vocabulary_words())))
    imgs = ds["images"]
    torch.manual_seed(5)
    rng = np.random.default_rng(5)
    for p in vae.encoder.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(vae.decoder.parameters(), lr=2e-4, weight_decay=0.0)
    t0 = time.time()
    for step in range(steps):
        x = data.to_pixels(imgs[rng.integers(0, len(imgs), 32)])
        with torch.no_grad():
            z = vae.encode(x)[0]
            b = len(z)
            w = torch.from_numpy(rng.uniform(0, 0.5, b).astype(np.float32)).view(-1, 1, 1, 1)
            w[b // 2:] = 0
            blurred = F.avg_pool2d(F.pad(z, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
            z = (1 - w) * z + w * blurred
            sigma = torch.from_numpy(rng.uniform(0, SIGMA, b).astype(np.float32)).view(-1, 1, 1, 1) / scaling
            z = z + sigma * torch.randn_like(z)
        y = vae.decode(z)
        loss = F.mse_loss(y, x) + 0.5 * F.l1_loss(y, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"decoder step {step}/{steps} loss {loss.item():.4f} ({time.time() - t0:.0f}s)", flush=True)
    torch.save(vae.state_dict(), os.path.join(work, "vae_robust.pt"))


if __name__ == "__main__":
    main()
