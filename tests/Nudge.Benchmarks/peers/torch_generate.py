"""PyTorch peer for the `generate` comparison of tests/Nudge.Benchmarks.

Builds the recipe's TorchPipeline (models/recipe/pipeline.py) from the PyTorch checkpoints in a
work folder (embedder.pt, vae.pt, unet.pt or unet_refined.pt, meta.json, as models/recipe/train.py
writes them and models/recipe/export.py reads them), then answers one JSON command per stdin line
with one JSON line on stdout, so that the C# side can interleave its own runs with ours:

  {"cmd": "generate", "prompt": "...", "steps": 20, "guidance": 7.5, "batch": 1, "seed": 2}
      one timed TorchPipeline.generate call for `batch` images; answers {"ms": wall}
  {"cmd": "quit"}

Usage: torch_generate.py [WORK] [THREADS]
  WORK     checkpoint folder (default: models/recipe/work next to this repository's recipe)
  THREADS  torch.set_num_threads (default: the machine's cores)
"""
import json
import os
import sys
import time

import protocol

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "models", "recipe"))
NEEDED = ["embedder.pt", "vae.pt", "meta.json"]


def fail(message):
    print(json.dumps({"error": message}), flush=True)
    print(message, file=sys.stderr, flush=True)
    return 2


def main(argv):
    work = os.path.abspath(argv[1]) if len(argv) > 1 and argv[1] else os.path.join(RECIPE, "work")
    threads = int(argv[2]) if len(argv) > 2 and int(argv[2]) > 0 else (os.cpu_count() or 1)
    missing = [f for f in NEEDED if not os.path.isfile(os.path.join(work, f))]
    if not any(os.path.isfile(os.path.join(work, f)) for f in ("unet.pt", "unet_refined.pt")):
        missing.append("unet.pt")
    if missing:
        return fail(f"no PyTorch checkpoints to benchmark in {work}: missing {', '.join(missing)}. "
                    "models/recipe/train.py writes them (the folder is absent or incomplete while the recipe "
                    "is being retrained); pass a folder that has them, e.g. a backup of models/recipe/work.")

    import torch
    torch.set_num_threads(threads)
    sys.path.insert(0, RECIPE)
    import export
    import pipeline

    t0 = time.perf_counter()
    try:
        tok, meta, de, vae, unet = export.load(work)
    except Exception as ex:  # a checkpoint mid-write or from another architecture
        return fail(f"could not load the PyTorch checkpoints in {work}: {type(ex).__name__}: {ex}")
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    unet_file = "unet_refined.pt" if os.path.isfile(os.path.join(work, "unet_refined.pt")) else "unet.pt"
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "work": work, "unet": unet_file, "load_s": time.perf_counter() - t0}), flush=True)
    for cmd in protocol.commands():
        if cmd["cmd"] != "generate":
            print(json.dumps({"error": f"unknown command {cmd['cmd']}"}), flush=True)
            continue
        b, seed = cmd.get("batch", 1), cmd.get("seed", 0)
        t = time.perf_counter()
        images = pipe.generate([cmd["prompt"]] * b, list(range(seed, seed + b)), cmd.get("steps", 20), cmd.get("guidance", 7.5))
        pipeline.to_uint8(images)
        ms = (time.perf_counter() - t) * 1000.0
        print(json.dumps({"ms": ms, "images": int(images.shape[0])}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
