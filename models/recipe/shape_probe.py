"""How well the embedder tells shapes apart on rendered held-out images (the card's shape-only figure).

For 128 held-out scenes (fixed seed), the embedder chooses among the 8 captions that differ only in the
shape; prints how often it is right on the rendered image and after a VAE round trip. Chance is 1/8.
The build measures the same thing (evaluate.shape_choice); this runs it alone on any work folder.
Run: /usr/bin/python3 models/recipe/shape_probe.py [WORK_DIR]
"""
import os
import sys

import torch

import evaluate
import export
import pipeline


def main(work=export.WORK):
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = export.load(work)
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    r = evaluate.shape_choice(pipe, vae)
    for name in ("rendered", "roundtrip"):
        print(f"{name}: shape right {r[name]}/{r['n']} (chance {r['chance']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
