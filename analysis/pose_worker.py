"""Worker process for parallel pose extraction: ``python -m analysis.pose_worker JOB_JSON``.

Analyses one time chunk of a clip and writes its arrays to ``job["out"]`` (.npz).
Talks to the parent through stdout lines: ``ready``, ``progress N`` and ``error MESSAGE``.

When the job names no ``start_s``, the worker first imports MediaPipe and builds its
graph (the slow part of starting), prints ``ready``, then reads its chunk from stdin as
one JSON line ``{"start_s": .., "end_s": ..}`` (or ``quit``). The parent draws the chunk
boundaries only then, so the time spent starting is not lost (see ``pose._run_chunks``).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from analysis.errors import RepLabError
from analysis.pose import PoseSettings, _analyse_range, make_backend


def main(argv: list[str]) -> int:
    job = json.loads(argv[0])
    settings = PoseSettings(**job["settings"])

    def report(n: int) -> None:
        if n:
            print(f"progress {n}", flush=True)

    try:
        backend = make_backend(settings)
        if "start_s" not in job:
            print("ready", flush=True)
            line = sys.stdin.readline().strip()
            if not line or line == "quit":
                backend.close()
                return 0
            job.update(json.loads(line))
        arrays = _analyse_range(
            job["path"], settings, job["start_s"], job["end_s"], report, backend=backend, decode_threads=False
        )
    except RepLabError as exc:
        print(f"error {exc}", flush=True)
        return 1
    except Exception as exc:  # the parent shows this to the user
        print(f"error pose extraction failed: {type(exc).__name__}: {exc}", flush=True)
        return 1
    np.savez(job["out"], **arrays)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
