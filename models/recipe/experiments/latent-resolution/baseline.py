"""The sweep's evaluation applied to the committed weights (models/recipe/work/*.pt), for a like-for-like baseline.
Run from the repository root after sweep.py has trained its oracle:
  ORACLE=/path/to/oracle.pt /usr/bin/python3 models/recipe/experiments/latent-resolution/baseline.py OUT.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402  (models/recipe, on the path through sweep)
import sweep  # noqa: E402


def main():
    tok, meta, de, vae, unet = export.load()
    result = {"config": "committed (f8, 2000 steps)"}
    result.update(sweep.evaluate("committed", tok, de, vae, unet, meta["scaling_factor"], (4, 8, 8)))
    json.dump(result, open(sys.argv[1], "w"), indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
