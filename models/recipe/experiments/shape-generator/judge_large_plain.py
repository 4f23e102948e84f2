"""Shape of generated "a large {colour} {shape} on a plain {bg} background" images (4 seeds x 8 held-out and 8
trained pairs, guidance 3), judged among the 8 shape captions by the candidate build's shape-aware embedder, for the
committed UNet and, when SUBSET_UNET exists, the subset UNet; renders of the same scenes calibrate the judge.
The judge is shape_judge.py's. Run from the repository root.
"""
import os, sys, numpy as np, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export, toyworld, data, nets, pipeline, shape_judge
torch.set_num_threads(2)
SUBSET_UNET = os.environ.get("SUBSET_UNET", "/tmp/subset-unet.pt")
tok, meta, de, vae, unet_c = export.load()
judge = shape_judge.load(tok)
colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
rng = np.random.default_rng(0)
train_pairs = [(c, s) for c in colours for s in shapes if (c, s) not in toyworld.HELD_OUT_PAIRS]
picks = {"held_out": toyworld.HELD_OUT_PAIRS, "trained": [train_pairs[i] for i in rng.choice(len(train_pairs), 8, replace=False)]}
unets = {"committed": unet_c}
if os.path.exists(SUBSET_UNET):
    u = nets.UNet(); u.load_state_dict(torch.load(SUBSET_UNET)); u.eval(); unets["subset"] = u
res = {}
for kind, pairs in picks.items():
    for colour, shape in pairs:
        bgc = [c for c in colours if c != colour][int(rng.integers(0, len(colours) - 1))]
        rend = torch.stack([data.to_pixels(toyworld.render(("large", colour, shape, "plain", bgc), rng)[None])[0] for _ in range(4)])
        res.setdefault(("renders", kind), 0); res[("renders", kind)] += shape_judge.chosen_shapes(judge, tok, rend, colour, bgc).count(shape)
        for name, u in unets.items():
            pipe = pipeline.TorchPipeline(tok, de, vae, u, meta["scaling_factor"])
            imgs = pipe.generate([f"a large {colour} {shape} on a plain {bgc} background"] * 4, [100, 101, 102, 103], 20, 3.0)
            res.setdefault((name, kind), 0); res[(name, kind)] += shape_judge.chosen_shapes(judge, tok, imgs, colour, bgc).count(shape)
for k, v in res.items(): print(k, f"{v}/32")
