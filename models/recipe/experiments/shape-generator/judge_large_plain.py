"""Shape of generated "a large {colour} {shape} on a plain {bg} background" images (4 seeds x 8 held-out and 8
trained pairs, guidance 3), judged among the 8 shape captions by the candidate build's shape-aware embedder, for the
committed UNet and, when SUBSET_UNET exists, the subset UNet; renders of the same scenes calibrate the judge.
JUDGE_RECIPE names a checkout of commit 319169b whose models/recipe/work/ holds that build's checkpoints (default
/tmp/build/models/recipe). Run from the repository root.
"""
import os, sys, importlib.util, numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import export, toyworld, data, nets, pipeline
torch.set_num_threads(2)
JUDGE = os.environ.get("JUDGE_RECIPE", "/tmp/build/models/recipe")
SUBSET_UNET = os.environ.get("SUBSET_UNET", "/tmp/subset-unet.pt")
spec = importlib.util.spec_from_file_location("cnets", os.path.join(JUDGE, "nets.py"))
cnets = importlib.util.module_from_spec(spec); spec.loader.exec_module(cnets)
tok, meta, de, vae, unet_c = export.load()
judge = cnets.DualEncoder(len(tok.vocab)); judge.load_state_dict(torch.load(os.path.join(JUDGE, "work", "embedder.pt"))); judge.eval()
colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
@torch.no_grad()
def choose(images, colour, bgc):
    v = F.normalize(judge.image_embeds(data.to_embedder_input((images.clamp(-1, 1) + 1) / 2)), dim=-1)
    ids = torch.tensor([tok(f"a large {colour} {s} on a plain {bgc} background") for s in shapes], dtype=torch.int32)
    t = F.normalize(judge.text_embeds(ids), dim=-1)
    return (v @ t.T).argmax(1).tolist()
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
        res.setdefault(("renders", kind), 0); res[("renders", kind)] += sum(shapes[j] == shape for j in choose(rend, colour, bgc))
        for name, u in unets.items():
            pipe = pipeline.TorchPipeline(tok, de, vae, u, meta["scaling_factor"])
            imgs = pipe.generate([f"a large {colour} {shape} on a plain {bgc} background"] * 4, [100, 101, 102, 103], 20, 3.0)
            res.setdefault((name, kind), 0); res[(name, kind)] += sum(shapes[j] == shape for j in choose(imgs, colour, bgc))
for k, v in res.items(): print(k, f"{v}/32")
