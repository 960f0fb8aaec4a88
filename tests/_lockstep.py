"""Start several worker processes, release them together, collect their JSON results.

Each worker prints ``ready`` once connected, waits for ``go`` on stdin, then prints its
result as JSON on its last line. The concurrency tests of xref and workflow share this.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any


def run_in_lockstep(commands: Sequence[Sequence[str]], *, timeout: float) -> list[Any]:
    """Run ``commands`` at once; return each one's last stdout line parsed as JSON."""
    procs = [
        subprocess.Popen(list(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for cmd in commands
    ]
    try:
        for proc in procs:  # all connected and migrated: start together
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=timeout)
            assert proc.returncode == 0
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()
