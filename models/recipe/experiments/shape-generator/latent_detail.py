"""Where the shape lives in the committed VAE's latent: 128 large shapes on plain backgrounds, judged by the candidate
build's shape-aware embedder (shape_judge.py) as renders, after the VAE round trip,
with Gaussian noise added to the latent, and with the latent blurred over 3x3 latent pixels.
Run from the repository root.
"""
import os, sys, numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export, toyworld, data, shape_judge
torch.set_num_threads(2)
tok, meta, de, vae, _ = export.load()
judge = shape_judge.load(tok)
colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
rng = np.random.default_rng(0)
scenes = []
for i in range(128):
    c = colours[rng.integers(10)]; s = shapes[rng.integers(8)]; b = [x for x in colours if x != c][rng.integers(9)]
    scenes.append((c, s, b))
imgs = torch.cat([data.to_pixels(toyworld.render(("large", c, s, "plain", b), rng)[None]) for c, s, b in scenes])
sc = meta["scaling_factor"]
def acc(x):
    return sum(shape_judge.chosen_shapes(judge, tok, x[i:i + 1], c, b)[0] == s for i, (c, s, b) in enumerate(scenes))
with torch.no_grad():
    z = vae.encode(imgs)[0] * sc
    print("renders", acc(imgs), "/128")
    g = torch.Generator().manual_seed(0)
    for sigma in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):
        zn = z + sigma * torch.randn(z.shape, generator=g)
        print(f"latent noise {sigma} (latent std 1):", acc(vae.decode(zn / sc)), "/128", flush=True)
    # blur: average each latent with its 3x3 neighbourhood (a UNet that predicts the mean)
    zb = F.avg_pool2d(z, 3, 1, 1, count_include_pad=False)
    print("latent 3x3 blur:", acc(vae.decode(zb / sc)), "/128")
