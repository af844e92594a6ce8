"""Landmark maths on geometry whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.landmarks import (
    ANGLE_NAMES,
    INDEX,
    LANDMARK_NAMES,
    SKELETON_EDGES,
    angle_at,
    butter_lowpass,
    fill_gaps,
    gaussian_smooth,
    joint_angle,
    joint_angles,
    torso_length,
    trunk_lean,
)


def standing_pose(knee_angle_deg: float = 180.0, lean_deg: float = 0.0) -> np.ndarray:
    """A stick figure (33, 3) in image coordinates (y down) with a chosen knee angle and trunk lean."""
    p = np.zeros((33, 3))
    for side, x in (("left", 0.45), ("right", 0.55)):
        hip = np.array([x, 0.5, 0.0])
        knee = hip + [0.0, 0.2, 0.0]
        # shin direction: rotate 'straight down' by (180 - knee angle) towards +x
        bend = np.radians(180.0 - knee_angle_deg)
        ankle = knee + 0.2 * np.array([np.sin(bend), np.cos(bend), 0.0])
        lean = np.radians(lean_deg)
        shoulder = hip + 0.3 * np.array([np.sin(lean), -np.cos(lean), 0.0])
        p[INDEX[f"{side}_hip"]] = hip
        p[INDEX[f"{side}_knee"]] = knee
        p[INDEX[f"{side}_ankle"]] = ankle
        p[INDEX[f"{side}_shoulder"]] = shoulder
        p[INDEX[f"{side}_elbow"]] = shoulder + [0.0, 0.15, 0.0]
        p[INDEX[f"{side}_wrist"]] = shoulder + [0.15, 0.15, 0.0]  # elbow bent at 90 degrees
        p[INDEX[f"{side}_foot_index"]] = ankle + [0.1, 0.0, 0.0]
        p[INDEX[f"{side}_heel"]] = ankle + [-0.03, 0.0, 0.0]
    return p


def test_names_and_edges_match_mediapipe():
    assert len(LANDMARK_NAMES) == 33
    assert (
        LANDMARK_NAMES[0] == "nose"
        and LANDMARK_NAMES[23] == "left_hip"
        and LANDMARK_NAMES[32] == "right_foot_index"
    )
    assert all(0 <= a < 33 and 0 <= b < 33 and a != b for a, b in SKELETON_EDGES)


def test_angle_at_right_angle_and_straight_line():
    a, b = np.array([1.0, 0, 0]), np.array([0.0, 0, 0])
    assert angle_at(a, b, np.array([0.0, 1, 0])) == pytest.approx(90.0)
    assert angle_at(a, b, np.array([-1.0, 0, 0])) == pytest.approx(180.0)
    assert np.isnan(angle_at(a, b, np.array([np.nan, 0, 0])))


@pytest.mark.parametrize("knee", [60.0, 90.0, 135.0, 175.0])
def test_knee_angle_of_a_stick_figure(knee):
    pose = standing_pose(knee_angle_deg=knee)
    assert joint_angle(pose, "left_knee") == pytest.approx(knee, abs=1e-6)
    assert joint_angle(pose, "right_knee") == pytest.approx(knee, abs=1e-6)
    assert joint_angle(pose, "left_elbow") == pytest.approx(90.0, abs=1e-6)


@pytest.mark.parametrize("lean", [0.0, 20.0, 45.0])
def test_trunk_lean_against_vertical(lean):
    assert trunk_lean(standing_pose(lean_deg=lean)) == pytest.approx(lean, abs=1e-6)


def test_all_angles_per_frame_shape():
    frames = np.stack([standing_pose(k) for k in (180, 120, 90)])
    angles = joint_angles(frames)
    assert set(angles) == set(ANGLE_NAMES)
    assert np.allclose(angles["left_knee"], [180, 120, 90])


def test_fill_gaps_bridges_short_dropouts_only():
    times = np.arange(30) / 30.0
    values = np.linspace(0, 1, 30)
    holed = values.copy()
    holed[5:7] = np.nan  # 2 frames: bridged
    holed[15:27] = np.nan  # 12 frames = 0.43 s: kept missing
    holed[0] = np.nan  # leading: nothing to interpolate from
    out = fill_gaps(holed, times, max_gap_s=0.25)
    assert np.allclose(out[5:7], values[5:7])
    assert np.isnan(out[15:27]).all()
    assert np.isnan(out[0])


def test_fill_gaps_keeps_landmark_shape():
    times = np.arange(10) / 30.0
    pts = np.random.default_rng(0).normal(size=(10, 33, 3))
    pts[4] = np.nan
    out = fill_gaps(pts, times)
    assert out.shape == pts.shape and np.isfinite(out).all()
    assert np.allclose(out[4], (pts[3] + pts[5]) / 2)


def test_butterworth_removes_noise_without_shifting_the_bottom():
    fps = 30.0
    t = np.arange(0, 10, 1 / fps)
    clean = -np.cos(2 * np.pi * 0.5 * t)  # 2 s reps, bottoms (minima) at 0, 2, 4 ... s
    noisy = clean + np.random.default_rng(0).normal(0, 0.2, t.shape)
    smooth = butter_lowpass(noisy, fps, cutoff_hz=2.0)
    assert np.std(smooth - clean) < 0.5 * np.std(noisy - clean)
    inner = (t > 1) & (t < 9)
    bottoms = t[inner][np.argmin(smooth[inner][:60])]
    assert bottoms == pytest.approx(2.0, abs=2 / fps)  # zero phase: no lag


def test_smoothing_respects_gaps():
    fps = 30.0
    x = np.sin(np.arange(120) / 10.0)
    x[50:70] = np.nan
    for out in (butter_lowpass(x, fps, 3.0), gaussian_smooth(x, sigma=2.0)):
        assert np.isnan(out[50:70]).all()
        assert np.isfinite(out[:50]).all() and np.isfinite(out[70:]).all()


def test_gaussian_sigma_controls_smoothing():
    x = np.random.default_rng(1).normal(size=300)
    assert np.std(gaussian_smooth(x, 4.0)) < np.std(gaussian_smooth(x, 1.0)) < np.std(x)


def test_the_counters_pose_puts_hips_at_origin_and_the_median_torso_at_one():
    """``signals.normalised_pose``, what every auto count starts from: the hip centre of each
    frame at 0, one scale for the whole clip (the median torso, so a bend does not change
    it), in the picture's geometry (x in frame heights), the body points only."""
    from analysis.counting.signals import BODY_POINTS, normalised_pose
    from analysis.track import PoseTrack

    upright = standing_pose()
    squat = standing_pose(knee_angle_deg=90, lean_deg=40) + [0.1, 0.2, 0]  # moved and bent
    frames = np.stack([upright, upright + [0.05, 0, 0], squat]) / 2.0  # scale must not matter
    points = frames.copy()
    points[..., 0] *= 720 / 1280  # stored in shares of a 16:9 frame's width
    track = PoseTrack(times=[0.0, 0.1, 0.2], landmarks=points, visibility=np.ones((3, 33)),
                      world=np.full((3, 33, 3), np.nan), width=1280, height=720)  # fmt: skip
    out = normalised_pose(track)
    assert out.shape == (3, len(BODY_POINTS), 2)
    hips = (out[:, BODY_POINTS.index(INDEX["left_hip"])] + out[:, BODY_POINTS.index(INDEX["right_hip"])]) / 2
    assert np.allclose(hips, 0.0)
    full = np.full((3, 33, 2), np.nan)
    full[:, list(BODY_POINTS)] = out
    assert np.allclose(torso_length(full[:2]), 1.0)  # the median torso (the upright frames)
    # the bent frame keeps the clip's scale (its torso is not stretched back to 1) and its
    # angles are the picture's: the knee is bent to 90 degrees as drawn
    assert torso_length(full[2]) == pytest.approx(1.0)  # a lean in the picture keeps the length
    assert joint_angle(full, "left_knee", dims=2)[2] == pytest.approx(90.0)
