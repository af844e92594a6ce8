"""Shared helpers of the counting benchmarks: metrics and markdown tables.

MAE = mean over videos of |predicted - true| / max(true, 1); OBO = share of videos with
|predicted - true| <= 1 (the RepCount definitions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.shared_data import shared_data_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_data_dir()  # REPLAB_SHARED_DATA, else ../shared/data


def mae_obo(pred, true) -> tuple[float, float]:
    pred = np.asarray(pred, dtype=float)
    true = np.asarray(true, dtype=float)
    if len(true) == 0:
        return float("nan"), float("nan")
    return float(np.mean(np.abs(pred - true) / np.maximum(true, 1))), float(np.mean(np.abs(pred - true) <= 1))


def match_times(predicted, truth, tolerance: float) -> list[tuple[float, float]]:
    """One-to-one matches (pred, true) of event times within ``tolerance``, closest first."""
    pairs = sorted(
        (abs(p - t), i, j)
        for i, p in enumerate(predicted)
        for j, t in enumerate(truth)
        if abs(p - t) <= tolerance
    )
    used_p, used_t, out = set(), set(), []
    for _, i, j in pairs:
        if i in used_p or j in used_t:
            continue
        used_p.add(i)
        used_t.add(j)
        out.append((predicted[i], truth[j]))
    return out


def boundary_error(reps, bounds_s) -> tuple[int, float]:
    """Match true reps (start, end) to predicted reps whose bottom lies inside; (matched, mean |error| s).

    The error of a matched rep is the mean of its start and end errors.
    """
    used, errors = set(), []
    for start, end in bounds_s:
        best = None
        for i, rep in enumerate(reps):
            if i in used or not (start <= rep.bottom_s <= end):
                continue
            err = (abs(rep.start_s - start) + abs(rep.end_s - end)) / 2
            if best is None or err < best[0]:
                best = (err, i)
        if best is not None:
            used.add(best[1])
            errors.append(best[0])
    return len(errors), float(np.mean(errors)) if errors else float("nan")


def table(header: list[str], rows: list[list]) -> str:
    def fmt(v):
        if isinstance(v, float):
            return "-" if not np.isfinite(v) else f"{v:.3f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
