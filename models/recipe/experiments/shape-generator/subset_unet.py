"""UNet only: retrain a UNet of the committed size on a restricted world, large shapes on plain backgrounds only
(6000 renders of the trained colour/shape pairs, captions with and without the size and style words), with the
committed VAE and text encoder and the recipe's own training loop, 1100 steps x 64 (787 s on 2 cores).
Question: is the full world's variety what keeps the UNet from drawing outlines?
START=path.pt continues from an earlier run (STEPS steps, default 1100).
Run from the repository root; writes SUBSET_UNET (default /tmp/subset-unet.pt). Judge it with judge_large_plain.py.
"""
import os, sys
import numpy as np, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import export, toyworld, train
torch.set_num_threads(2)
SUBSET_UNET = os.environ.get("SUBSET_UNET", "/tmp/subset-unet.pt")
tok, meta, de, vae, _ = export.load()
scaling = meta["scaling_factor"]
rng = np.random.default_rng(5)
colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
held = set(toyworld.HELD_OUT_PAIRS)
scenes = [("large", c, s, "plain", b) for c in colours for s in shapes for b in colours if b != c and (c, s) not in held]
N = int(os.environ.get("N", 6000)); STEPS = int(os.environ.get("STEPS", 1100))
imgs, caps = [], []
for _ in range(N):
    sc = scenes[rng.integers(len(scenes))]
    imgs.append(toyworld.render(sc, rng)); caps.append(toyworld.caption(*sc, variant=int(rng.choice([0, 3]))))
uniq = sorted(set(caps)); ci = np.array([uniq.index(c) for c in caps])
with torch.no_grad():
    lat = train.encode_latents(vae, np.stack(imgs)) * scaling
    hidden = train.encode_captions(de.text, np.array([tok(c) for c in uniq]))
    uncond = train.encode_captions(de.text, np.array([tok("")]))[0]
print("data", lat.shape, hidden.shape, flush=True)
START = os.environ.get("START")  # continue from a saved subset UNet with a fresh cosine schedule (peak 5e-4), as UNET_REFINE_STEPS does
unet, secs = train.train_unet({"caption_index": ci}, lat, hidden, uncond, total=STEPS, label="subset-unet",
                              **(dict(start=torch.load(START), seed=4, peak=5e-4) if START else {}))
torch.save(unet.state_dict(), SUBSET_UNET)
print("trained", secs, flush=True)
