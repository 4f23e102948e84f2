"""The peers' side of PeerProcess's protocol: one JSON command per stdin line, until {"cmd": "quit"}."""
import json
import sys


def commands(stream=sys.stdin):
    """Yields each command as a dict, skipping blank lines; stops at quit or end of input."""
    for line in stream:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            return
        yield cmd


def loaded_blas():
    """The BLAS/LAPACK shared objects this process has mapped (from /proc/self/maps), and a one-word kind:
    "openblas" when OpenBLAS is among them, "reference" when only Debian's reference BLAS is, "none" otherwise."""
    libs = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = path.rsplit("/", 1)[-1]
                if "blas" in name or "lapack" in name:
                    libs.add(path)
    except OSError:
        pass
    kind = "openblas" if any("openblas" in p for p in libs) else ("reference" if libs else "none")
    return kind, sorted(libs)
