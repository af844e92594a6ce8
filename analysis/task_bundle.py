"""Build a MediaPipe Tasks ``.task`` pose bundle from the models inside the mediapipe wheel.

Google publishes ``pose_landmarker_full.task`` for download only, and RepLab must work
offline. The wheel ships the same BlazePose networks as bare ``.tflite`` files without the
metadata the Tasks API requires (input normalisation); this adds that metadata and zips
the two networks the way ``PoseLandmarker`` expects. It lets the Tasks backend be used and
tested on any machine; a user's own downloaded ``.task`` file works the same way.
"""

from __future__ import annotations

import os

POSE_DETECTOR = "pose_detection/pose_detection.tflite"
POSE_LANDMARKS = "pose_landmark/pose_landmark_full.tflite"


def build_pose_task_bundle(
    out_path: str | os.PathLike, detector_model: str = POSE_DETECTOR, landmarks_model: str = POSE_LANDMARKS
) -> str:
    """Write ``out_path`` (a .task zip with pose_detector + pose_landmarks_detector) and return it.

    ``detector_model`` and ``landmarks_model`` name networks in the wheel's ``modules``
    folder; other networks than BlazePose's make a bundle that loads but cannot run as a
    pose landmarker (the tests' stand-in for a wrong download)."""
    from analysis.mediapipe_import import import_mediapipe

    mp = import_mediapipe()
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer,
        model_asset_bundle_utils,
        writer_utils,
    )

    modules = os.path.join(os.path.dirname(mp.__file__), "modules")

    def with_metadata(path: str, name: str, mean: float, std: float) -> bytes:
        with open(path, "rb") as handle:
            buffer = bytearray(handle.read())
        writer = metadata_writer.MetadataWriter.create(buffer)
        writer.add_general_info(name)
        writer.add_image_input(norm_mean=[mean], norm_std=[std])
        for _ in writer_utils.get_output_tensor_types(buffer):
            writer.add_feature_output()
        return bytes(writer.populate()[0])

    # BlazePose detector takes pixels scaled to [-1, 1]; the landmark network takes [0, 1].
    detector = with_metadata(os.path.join(modules, detector_model), "pose_detector", 127.5, 127.5)
    landmarks = with_metadata(os.path.join(modules, landmarks_model), "pose_landmarks_detector", 0.0, 255.0)
    out_path = os.fspath(out_path)
    model_asset_bundle_utils.create_model_asset_bundle(
        {"pose_detector.tflite": detector, "pose_landmarks_detector.tflite": landmarks}, out_path
    )
    return out_path
