"""PyTorch peer for the `generate` comparison of tests/Nudge.Benchmarks.

Rebuilds the recipe's modules (models/recipe/nets.py) and loads their weights from the committed ONNX files of a
model folder (models/recipe/onnx_weights.py: the same parameters the C# side runs), reports each file's SHA-256 so
that the C# side can check both sides load the same bytes, then answers one JSON command per stdin line with one
JSON line on stdout, so that the C# side can interleave its own runs with ours:

  {"cmd": "generate", "prompt": "...", "steps": 20, "guidance": 7.5, "batch": 1, "seed": 2}
      one timed TorchPipeline.generate call for `batch` images under torch.inference_mode(); answers {"ms": wall}
  {"cmd": "quit"}

Usage: torch_generate.py [MODEL] [THREADS]
  MODEL    the ONNX model folder (default: models/tiny-sd of this repository)
  THREADS  torch.set_num_threads (default: the machine's cores)
The caller unsets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for this process (set on this machine kind for the trainer).
"""
import json
import os
import sys
import time

import protocol

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "models", "recipe"))
TINY = os.path.normpath(os.path.join(RECIPE, "..", "tiny-sd"))


def fail(message):
    print(json.dumps({"error": message}), flush=True)
    print(message, file=sys.stderr, flush=True)
    return 2


def main(argv):
    folder = os.path.abspath(argv[1]) if len(argv) > 1 and argv[1] else TINY
    threads = int(argv[2]) if len(argv) > 2 and int(argv[2]) > 0 else (os.cpu_count() or 1)
    try:
        import torch
        sys.path.insert(0, RECIPE)
        import onnx_weights
        import pipeline
    except ImportError as ex:
        return fail(f"the PyTorch peer needs torch and onnx from Debian (run scripts/bench-setup.sh): {ex}")
    torch.set_num_threads(threads)

    t0 = time.perf_counter()
    try:
        tok, meta, de, vae, unet = onnx_weights.load_suite(folder)
    except Exception as ex:  # a folder of another architecture, or another torch version's initializer names
        return fail(f"could not rebuild the recipe's modules from the ONNX files in {folder}: {type(ex).__name__}: {ex}")
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    blas, blas_libs = protocol.loaded_blas()
    capability = next((line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines() if "CPU capability usage" in line), "unknown")
    hashes = {kind: onnx_weights.sha256(os.path.join(folder, path)) for kind, path in onnx_weights.FILES.items()}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "model": folder,
                      "files": onnx_weights.FILES, "sha256": hashes, "blas": blas, "blas_libs": blas_libs, "cpu_capability": capability,
                      "mkldnn": torch.backends.mkldnn.is_available(), "inference_mode": True, "load_s": time.perf_counter() - t0}), flush=True)
    for cmd in protocol.commands():
        if cmd["cmd"] != "generate":
            print(json.dumps({"error": f"unknown command {cmd['cmd']}"}), flush=True)
            continue
        b, seed = cmd.get("batch", 1), cmd.get("seed", 0)
        t = time.perf_counter()
        with torch.inference_mode():
            images = pipe.generate([cmd["prompt"]] * b, list(range(seed, seed + b)), cmd.get("steps", 20), cmd.get("guidance", 7.5))
            pipeline.to_uint8(images)
        ms = (time.perf_counter() - t) * 1000.0
        print(json.dumps({"ms": ms, "images": int(images.shape[0])}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
