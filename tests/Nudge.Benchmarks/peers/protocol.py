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
