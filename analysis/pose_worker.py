"""Worker process for parallel pose extraction: ``python -m analysis.pose_worker JOB_JSON``.

Analyses one time chunk of a clip and writes its arrays to ``job["out"]`` (.npz).
Talks to the parent through stdout lines: ``progress N`` and ``error MESSAGE``.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from analysis.errors import RepLabError
from analysis.pose import PoseSettings, _analyse_range


def main(argv: list[str]) -> int:
    job = json.loads(argv[0])
    settings = PoseSettings(**job["settings"])

    def report(n: int) -> None:
        if n:
            print(f"progress {n}", flush=True)

    try:
        arrays = _analyse_range(job["path"], settings, job["start_s"], job["end_s"], report)
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
