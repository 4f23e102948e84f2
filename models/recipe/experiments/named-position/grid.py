"""A grid of generations whose prompts differ only in the shape word, at named positions, with renders underneath.
Rows: "a {size} {colour} {shape} at the {position} on a plain blue background" for (large, red, centre),
(large, yellow, top left), (small, red, centre), (small, yellow, bottom right), seed 7, 20 PNDM steps; then the
first row's prompts without the position; last row: renders of the 8 shapes (large, red, centre). Columns follow
toyworld.SHAPES. Run from the repository root:
  /usr/bin/python3 models/recipe/experiments/named-position/grid.py OUT.png [GUIDANCE]
It loads the weights in models/recipe/work/ (WORK=dir loads another build's, VAE=path.pt another VAE); about 30 s
on 2 cores.
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import export  # noqa: E402
import pipeline  # noqa: E402
import toyworld  # noqa: E402

ROWS = [("large", "red", "centre"), ("large", "yellow", "top left"), ("small", "red", "centre"),
        ("small", "yellow", "bottom right"), ("large", "red", None)]


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    guidance = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    tok, meta, de, vae, unet = export.load(os.environ.get("WORK", export.WORK))
    if os.environ.get("VAE"):  # e.g. decoder_finetune.py's vae_robust.pt
        vae.load_state_dict(torch.load(os.environ["VAE"]))
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    rows = []
    for size, colour, where in ROWS:
        prompts = [toyworld.caption(size, colour, s, "plain", "blue", position=where) for s in toyworld.SHAPES]
        rows.append(np.concatenate(list(pipeline.to_uint8(pipe.generate(prompts, [7] * 8, 20, guidance))), 1))
    rng = np.random.default_rng(0)
    rows.append(np.concatenate([toyworld.render(("large", "red", s, "plain", "blue"), rng, "centre")
                                for s in toyworld.SHAPES], 1))
    Image.fromarray(np.concatenate(rows, 0)).save(sys.argv[1])


if __name__ == "__main__":
    main()
