"""FAISS peer for the `index` comparison of tests/Nudge.Benchmarks.

Loads the first N rows of a raw little-endian float32 matrix (rows of D values, unit length,
written by the C# side) into a faiss.IndexFlatIP (KIND flat) or a faiss.IndexScalarQuantizer with
QT_fp16 codes and the inner-product metric (KIND sq_fp16), then answers one JSON command per stdin line
with one JSON line on stdout, so that the C# side can interleave its own measurements with ours:

  {"cmd": "search", "queries": FILE, "nq": 64, "batch": 1, "k": 10, "reps": 5, "offset": 0, "threads": 2}
      times `reps` calls of index.search on `batch` consecutive queries each (call r starts at
      query (offset + r * batch) mod nq) with `threads` OpenMP threads (default: as started);
      answers {"ms": [per call]}
  {"cmd": "ids", "queries": FILE, "nq": 64, "k": 10}
      the top-k row ids of every query (one untimed batched call); answers {"ids": [[...], ...]}
  {"cmd": "quit"}

Usage: faiss_search.py DATA N D [THREADS] [KIND]. THREADS sets OpenMP threads (0 or absent: FAISS's own);
KIND is flat (default) or sq_fp16.
"""
import json
import sys
import time

import numpy as np
import faiss

import protocol


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, n, d = argv[1], int(argv[2]), int(argv[3])
    if len(argv) > 4 and int(argv[4]) > 0:
        faiss.omp_set_num_threads(int(argv[4]))
    default_threads = faiss.omp_get_max_threads()
    kind = argv[5] if len(argv) > 5 else "flat"
    if kind not in ("flat", "sq_fp16"):
        print(json.dumps({"error": f"unknown index kind {kind}: flat or sq_fp16"}), flush=True)
        return 2
    t0 = time.perf_counter()
    x = np.fromfile(path, dtype="<f4", count=n * d)
    if x.size != n * d:
        print(json.dumps({"error": f"{path} holds {x.size} values, need {n * d}"}), flush=True)
        return 1
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        index.train(x.reshape(n, d)[:1000])  # fp16 codes need no statistics; FAISS still asks for a train call
    index.add(x.reshape(n, d))
    del x
    blas, blas_libs = protocol.loaded_blas()
    print(json.dumps({"ready": True, "faiss": faiss.__version__, "threads": default_threads, "kind": kind, "index": type(index).__name__, "blas": blas, "blas_libs": blas_libs,
                      "ntotal": index.ntotal, "load_s": time.perf_counter() - t0}), flush=True)
    cache = {}
    for cmd in protocol.commands():
        key = (cmd["queries"], cmd["nq"])
        if key not in cache:
            cache[key] = np.fromfile(cmd["queries"], dtype="<f4", count=cmd["nq"] * d).reshape(cmd["nq"], d)
        q = cache[key]
        k = cmd.get("k", 10)
        if cmd["cmd"] == "search":
            batch, reps, offset = cmd.get("batch", 1), cmd.get("reps", 1), cmd.get("offset", 0)
            faiss.omp_set_num_threads(cmd.get("threads", default_threads))
            times = []
            for r in range(reps):
                start = (offset + r * batch) % cmd["nq"]
                qs = np.ascontiguousarray(q[start:start + batch]) if start + batch <= cmd["nq"] else np.ascontiguousarray(q[:batch])
                t = time.perf_counter()
                index.search(qs, k)
                times.append((time.perf_counter() - t) * 1000.0)
            print(json.dumps({"ms": times}), flush=True)
        elif cmd["cmd"] == "ids":
            faiss.omp_set_num_threads(default_threads)
            _, ids = index.search(q, k)
            print(json.dumps({"ids": ids.tolist()}), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {cmd['cmd']}"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
