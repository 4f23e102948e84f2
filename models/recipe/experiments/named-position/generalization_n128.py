"""(b) with more samples: n = 128 per cell instead of 32, with per-pair counts and the judge's shape histogram.

Since recipe commit 82fab48 this is `evaluate.generalization_wide`, which every build now runs for its card; this
script runs it alone on any build's weights (the prompts are the same as the builds 1 and 3 JSONs here, drawn with
the card's generator seed 7). Run from the repository root:
  /usr/bin/python3 models/recipe/experiments/named-position/generalization_n128.py   (WORK=dir, OUT=json; ~5 min)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import evaluate  # noqa: E402
import export  # noqa: E402
import pipeline  # noqa: E402


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = export.load(os.environ.get("WORK", export.WORK))
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    result = evaluate.generalization_wide(pipe, np.random.default_rng(7))
    for kind in ("held_out", "trained"):
        print(kind, json.dumps(result[kind]), flush=True)
    out = os.environ.get("OUT")
    if out:
        json.dump(result, open(out, "w"), indent=2)


if __name__ == "__main__":
    main()
