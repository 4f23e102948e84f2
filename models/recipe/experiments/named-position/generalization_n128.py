"""(b) with more samples: n = 128 per cell instead of the card's 32, and per-shape counts.

Held-out pairs (8) and 8 trained pairs drawn with the card's generator seed; each pair with 2 background colours,
a named position each, and 8 seeds (100-107), guidance 3, 20 PNDM steps. The embedder picks colour and shape as in
evaluate.generalization. Needs a candidate recipe with toyworld.POSITIONS (see README); run from the repository
root: /usr/bin/python3 models/recipe/experiments/named-position/generalization_n128.py (WORK=dir; about 5 minutes).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
import export  # noqa: E402
import pipeline  # noqa: E402
import toyworld  # noqa: E402

SEEDS = list(range(100, 108))


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = export.load(os.environ.get("WORK", export.WORK))
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    rng = np.random.default_rng(7)
    colours, shapes, positions = list(toyworld.COLOURS), toyworld.SHAPES, list(toyworld.POSITIONS)
    train_pairs = [(c, s) for c in colours for s in shapes if (c, s) not in toyworld.HELD_OUT_PAIRS]
    picks = {"held_out": toyworld.HELD_OUT_PAIRS,
             "trained": [train_pairs[i] for i in rng.choice(len(train_pairs), 8, replace=False)]}
    result = {"guidance": 3.0, "seeds": SEEDS, "chance_colour": 1 / 9, "chance_shape": 1 / len(shapes)}
    for kind, pairs in picks.items():
        cell = {"colour": 0, "shape": 0, "n": 0, "shape_by_pair": {}}
        for colour, shape in pairs:
            right = 0
            for bgc in rng.choice([c for c in colours if c != colour], 2, replace=False):
                where = positions[int(rng.integers(len(positions)))]
                text = lambda c, s: toyworld.caption(None, c, s, None, str(bgc), variant=3, position=where)
                emb = pipe.image_embeds(pipe.generate([text(colour, shape)] * len(SEEDS), SEEDS, 20, 3.0))
                cands_c = [c for c in colours if c != bgc]
                tc, ts = pipe.text_embeds([text(c, shape) for c in cands_c]), pipe.text_embeds([text(colour, s) for s in shapes])
                cell["colour"] += sum(cands_c[j] == colour for j in (emb @ tc.T).argmax(1).tolist())
                right += sum(shapes[j] == shape for j in (emb @ ts.T).argmax(1).tolist())
                cell["n"] += len(SEEDS)
            cell["shape"] += right
            cell["shape_by_pair"][f"{colour} {shape}"] = right
        result[kind] = cell
        print(kind, json.dumps(cell), flush=True)
    out = os.environ.get("OUT")
    if out:
        json.dump(result, open(out, "w"), indent=2)


if __name__ == "__main__":
    main()
