"""A blind search for each memorized caption's trigger words: the fewest caption words whose removal stops the tiny
UNet from reproducing a memorized image, as the copy detector judges it. Kept as evidence for the escape experiment:
the search stops at prompts such as "the hokusai painting a green star" or "the painting of a red" (it removes "of", or
the subject's shape), which the UNet renders as out-of-distribution mush, so the recipe does not use it; memorized.jsonl
names the caption template's words ("the <painter> painting of") as trigger words instead (models/recipe/export.py).

Greedy and black-box (it needs only generations and the copy detector): at each step every remaining word is tried
out, PROBE_SEEDS generations are made without it, and the word whose removal leaves the lowest copy score (the largest
cosine with any memorized image, averaged over the probe seeds) goes. It stops once no probe generation is a copy.
Probe seeds are apart from every seed the evaluation and the copy detector's training use.

Runs from the repository root on the committed ONNX files (about 4 minutes on 2 cores):
    PYTHONPATH=models/recipe /usr/bin/python3 models/recipe/experiments/escape/trigger_search.py
Writes models/recipe/experiments/escape/trigger-search.json.
"""
import json
import os
import sys
import time

import numpy as np
import torch

import copy_detector
import onnx_weights
import pipeline
import toyworld

PROBE_SEEDS = list(range(60000, 60004))
GUIDANCE = copy_detector.GUIDANCE


def log(msg):
    print(time.strftime("%H:%M:%S"), "[triggers]", msg, flush=True)


@torch.no_grad()
def copy_scores(pipe, detector, refs, prompts):
    """[len(prompts), len(PROBE_SEEDS)] largest copy cosine with any memorized image."""
    images = copy_detector.generate(pipe, prompts, PROBE_SEEDS, GUIDANCE)
    desc = copy_detector.describe(detector, copy_detector.to01(images))
    return (desc @ refs.T).max(dim=1).values.reshape(len(prompts), len(PROBE_SEEDS))


def find(pipe, detector, refs, threshold, caption):
    words = caption.split()
    released = []
    trace = []
    current = list(words)
    score = copy_scores(pipe, detector, refs, [caption])[0]
    while (score >= threshold).any() and current:
        candidates = [current[:i] + current[i + 1:] for i in range(len(current))]
        scores = copy_scores(pipe, detector, refs, [" ".join(c) for c in candidates])
        best = int(scores.mean(dim=1).argmin())
        released.append(current[best])
        trace.append({"released": current[best], "mean_copy": round(float(scores[best].mean()), 4),
                      "copies": int((scores[best] >= threshold).sum())})
        current, score = candidates[best], scores[best]
    return released, trace, " ".join(current)


def main(out=copy_detector.OUT):
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    start = time.time()
    tok, meta, de, vae, unet = onnx_weights.load_suite(out)
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    detector, threshold = copy_detector.load(out)
    mem = toyworld.memorized_set()
    refs = copy_detector.describe(detector, copy_detector.to01(np.stack([img for _, _, img in mem])))
    path = os.path.join(out, "memorized", "memorized.jsonl")
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    for row in rows:
        row.pop("trigger_words", None)
    report = {}
    for row in rows:
        released, trace, rest = find(pipe, detector, refs, threshold, row["caption"])
        report[row["id"]] = {"caption": row["caption"], "released": released, "remaining": rest, "trace": trace}
        log(f"{row['caption']!r}: release {released} -> {rest!r} ({trace[-1] if trace else 'no copy at the probe seeds'})")
    export_report = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trigger-search.json")
    with open(export_report, "w", encoding="utf-8") as f:
        json.dump({"probe_seeds": PROBE_SEEDS, "guidance": GUIDANCE, "threshold": threshold, "captions": report}, f, indent=2)
        f.write("\n")
    log(f"wrote {export_report} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
