"""Loading squat-form folders (``reps.npz`` + ``labels.csv``) and turning them into features.

The same loader serves training (the shared ``squat_form`` data) and scoring a folder
of new reps, whose ``labels.csv`` may lack the ``label`` column.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import RepLabError
from analysis.form.features import RepFeatures

LABELS: tuple[str, ...] = (
    "olympic squat", "powerlifting squat", "bending forward", "heels lifting", "knees caving",
    "no depth", "toes lifting",
)  # fmt: skip
GOOD_LABELS: tuple[str, ...] = ("olympic squat", "powerlifting squat")
FAULT_LABELS: tuple[str, ...] = tuple(label for label in LABELS if label not in GOOD_LABELS)
# Frame rate assumed for the training recordings (not stated by the source); only the
# tempo features in seconds depend on it.
DATASET_FPS = 30.0


@dataclass
class RepDataset:
    """Reps of one folder: ``table`` (rep, recording_date, frames, label?) and the arrays."""

    table: pd.DataFrame
    reps: list[np.ndarray]

    @property
    def labels(self) -> np.ndarray | None:
        return self.table["label"].to_numpy() if "label" in self.table else None

    @property
    def groups(self) -> np.ndarray:
        if "recording_date" in self.table:
            return self.table["recording_date"].astype(str).to_numpy()
        return np.zeros(len(self.table), dtype=str)


def load_dataset(folder: str | os.PathLike) -> RepDataset:
    """Read ``reps.npz`` and ``labels.csv`` from ``folder`` (rows in labels.csv order)."""
    folder = os.fspath(folder)
    labels_path = os.path.join(folder, "labels.csv")
    reps_path = os.path.join(folder, "reps.npz")
    for path in (labels_path, reps_path):
        if not os.path.isfile(path):
            raise RepLabError(f"{path} not found (a squat-form folder has reps.npz and labels.csv)")
    try:  # a rep named "nan" or "NA" is a name, not a missing value
        table = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RepLabError(f"{labels_path} cannot be read as a table ({exc})") from None
    if "frames" in table:
        table["frames"] = pd.to_numeric(table["frames"], errors="coerce")
    if "rep" not in table:
        raise RepLabError(f"{labels_path} has no 'rep' column")
    if table.empty:
        raise RepLabError(f"{labels_path} lists no reps")
    if os.path.isfile(reps_path) and not zipfile.is_zipfile(reps_path):  # numpy blamed "pickled data"
        raise RepLabError(f"{reps_path} is not a NumPy .npz archive (it does not start like one)")
    try:
        with np.load(reps_path, allow_pickle=False) as data:
            missing = [rep for rep in table["rep"] if rep not in data]
            if missing:
                raise RepLabError(f"{len(missing)} reps of labels.csv are not in reps.npz, e.g. {missing[0]}")
            reps = [np.asarray(data[rep], dtype=np.float64) for rep in table["rep"]]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:  # numpy's words name no file
        raise RepLabError(f"{reps_path} cannot be read as arrays of joints ({exc})") from None
    reps = [r.reshape(len(r), 19, 3) if r.ndim == 2 and r.shape[1] == 57 else r for r in reps]
    for rep, array in zip(table["rep"], reps):
        if array.ndim != 3 or array.shape[1:] != (19, 3):
            raise RepLabError(f"rep {rep} has shape {array.shape}, expected (frames, 19, 3)")
    return RepDataset(table=table.reset_index(drop=True), reps=reps)


def rep_features(joints: np.ndarray, fps: float = DATASET_FPS) -> RepFeatures:
    """``RepFeatures`` of one stored rep (frames evenly spaced at ``fps``)."""
    return RepFeatures.from_joints(joints, np.arange(len(joints)) / fps)
