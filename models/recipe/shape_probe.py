"""How well the embedder tells shapes apart on rendered held-out images (the card's shape shortfall).

For 128 held-out scenes (fixed seed), the embedder chooses among the 8 captions that differ only in the
shape; prints how often it is right on the rendered image and after a VAE round trip. Chance is 1/8.
Run: /usr/bin/python3 models/recipe/shape_probe.py [WORK_DIR]
"""
import os
import sys

import numpy as np
import torch

import data
import export
import pipeline
import toyworld


def main(work=export.WORK):
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = export.load(work)
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    _, test = toyworld.split_scenes()
    rng = np.random.default_rng(3)
    scenes = [test[i] for i in rng.choice(len(test), 128, replace=False)]
    images = data.to_pixels(np.stack([toyworld.render(s, rng) for s in scenes]))
    with torch.no_grad():
        roundtrip = vae.decode(vae.encode(images)[0])
    for name, batch in (("rendered", images), ("VAE round trip", roundtrip)):
        emb = pipe.image_embeds(batch)
        right = 0
        for i, (size, colour, shape, bg, bg_colour) in enumerate(scenes):
            captions = [toyworld.caption(size, colour, s, bg, bg_colour) for s in toyworld.SHAPES]
            right += toyworld.SHAPES[int((pipe.text_embeds(captions) @ emb[i]).argmax())] == shape
        print(f"{name}: shape right {right}/{len(scenes)} (chance {len(scenes) // len(toyworld.SHAPES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
