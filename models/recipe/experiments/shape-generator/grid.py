"""A grid of generations whose prompts differ only in the shape word, with renders of those shapes underneath.
Rows: large red, large yellow, small red, small yellow ("a {size} {colour} {shape} on a plain blue background",
seed 7, 20 PNDM steps); last row: renders of the 8 shapes (large, red). Columns follow toyworld.SHAPES.
Run from the repository root: /usr/bin/python3 models/recipe/experiments/shape-generator/grid.py OUT.png [GUIDANCE]
(it loads the weights in models/recipe/work/; UNET=path.pt swaps in another UNet of the recipe's size, such as
subset_unet.py's; about 30 s on 2 cores).
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import export  # noqa: E402
import nets  # noqa: E402
import pipeline  # noqa: E402
import toyworld  # noqa: E402


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    guidance = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    tok, meta, de, vae, unet = export.load()
    if os.environ.get("UNET"):
        unet = nets.UNet()
        unet.load_state_dict(torch.load(os.environ["UNET"]))
        unet.eval()
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    rows = []
    for size in ("large", "small"):
        for colour in ("red", "yellow"):
            prompts = [f"a {size} {colour} {s} on a plain blue background" for s in toyworld.SHAPES]
            rows.append(np.concatenate(list(pipeline.to_uint8(pipe.generate(prompts, [7] * 8, 20, guidance))), 1))
    rng = np.random.default_rng(0)
    rows.append(np.concatenate([toyworld.render(("large", "red", s, "plain", "blue"), rng) for s in toyworld.SHAPES], 1))
    Image.fromarray(np.concatenate(rows, 0)).save(sys.argv[1])


if __name__ == "__main__":
    main()
