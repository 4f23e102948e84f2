"""Shape-only choice on generated images by prompt size ("a large/small C S on a plain B background", guidance 3,
4 seeds x 8 pairs per cell). Needs the experiment's code (commit 7386785) and its work folder:
/usr/bin/python3 models/recipe/experiments/shape-embedder/size_probe.py models/recipe/work   (at that commit)
"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import sys, numpy as np, torch, export, pipeline, toyworld
torch.set_num_threads(2)
tok, meta, de, vae, unet = export.load(sys.argv[1])
pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
colours, shapes = list(toyworld.COLOURS), toyworld.SHAPES
rng = np.random.default_rng(11)
train_pairs = [(c, s) for c in colours for s in shapes if (c, s) not in toyworld.HELD_OUT_PAIRS]
for kind, pairs in (("held_out", toyworld.HELD_OUT_PAIRS), ("trained", [train_pairs[i] for i in rng.choice(len(train_pairs), 8, replace=False)])):
  for size in ("large", "small"):
    right = n = 0
    for colour, shape in pairs:
        bgc = [c for c in colours if c != colour][int(rng.integers(0, len(colours) - 1))]
        imgs = pipe.generate([f"a {size} {colour} {shape} on a plain {bgc} background"] * 4, [100, 101, 102, 103], 20, 3.0)
        emb = pipe.image_embeds(imgs)
        ts = pipe.text_embeds([f"a {size} {colour} {s} on a plain {bgc} background" for s in shapes])
        right += sum(shapes[j] == shape for j in (emb @ ts.T).argmax(1).tolist()); n += len(imgs)
    print(kind, size, f"{right}/{n}", flush=True)
