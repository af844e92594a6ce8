"""Squat form: features on real reps, the shipped model, the CLI and verdicts on a real clip."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.form import LABELS, RepFeatures, assess_squat_reps, detect_view, load_dataset, load_model
from analysis.form.dataset import GOOD_LABELS, rep_features
from analysis.form.skeleton import J, clean_rep, outlier_joints


@pytest.fixture(scope="module")
def squat_form(shared_data):
    return load_dataset(shared_data / "squat_form")


@pytest.fixture(scope="module")
def scalars_by_label(squat_form):
    """Per-rep numbers of every shared rep, grouped by label."""
    out: dict[str, list[dict]] = {}
    for joints, label in zip(squat_form.reps, squat_form.labels):
        out.setdefault(label, []).append(rep_features(joints).scalars)
    return out


def _median(scalars_by_label, labels, name):
    values = [s[name] for label in labels for s in scalars_by_label[label]]
    return float(np.nanmedian(values))


@pytest.mark.parametrize(
    "fault, feature, direction",
    [
        ("no depth", "bottom_knee_angle", +1),
        ("no depth", "bottom_hip_above_knee", +1),
        ("bending forward", "max_trunk_lean", +1),
        ("knees caving", "bottom_knee_width_ratio", -1),
        ("toes lifting", "max_toe_rise", +1),
        ("heels lifting", "max_heel_rise", +1),
    ],
)
def test_fault_features_move_the_expected_way(scalars_by_label, fault, feature, direction):
    faulty = _median(scalars_by_label, [fault], feature)
    good = _median(scalars_by_label, GOOD_LABELS, feature)
    assert direction * (faulty - good) > 0, f"{fault}: {feature} {faulty:.3f} vs good {good:.3f}"


def test_good_squats_reach_about_knee_height(scalars_by_label):
    # Good reps bottom out with the hips near knee height; 'no depth' stops well above.
    good = _median(scalars_by_label, GOOD_LABELS, "bottom_hip_above_knee")
    shallow = _median(scalars_by_label, ["no depth"], "bottom_hip_above_knee")
    assert abs(good) < 0.15
    assert shallow > good + 0.1


def test_features_ignore_units_and_rotation(squat_form):
    joints = squat_form.reps[0]
    angle = np.radians(25)
    rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    moved = (joints @ rotation.T) * 0.013 + np.array([5.0, -2.0, 40.0])
    a = rep_features(joints).scalars
    b = rep_features(moved).scalars
    for name in ("bottom_knee_angle", "bottom_hip_above_knee", "max_trunk_lean", "bottom_knee_width_ratio"):
        assert a[name] == pytest.approx(b[name], rel=1e-6, abs=1e-6), name


def test_an_exploded_joint_is_repaired(squat_form):
    joints = squat_form.reps[5].copy()
    clean = rep_features(joints).scalars
    frame = len(joints) // 2
    joints[frame, J["left_knee"]] += 1e4  # a failed triangulation
    assert outlier_joints(joints)[frame, J["left_knee"]]
    repaired, _ = clean_rep(joints)
    assert np.abs(repaired).max() < 1e3
    damaged = rep_features(joints).scalars
    assert damaged["bottom_knee_angle"] == pytest.approx(clean["bottom_knee_angle"], abs=5)


def test_a_rep_with_every_other_frame_missing_keeps_its_depth(squat_form):
    """A video rep loses frames where nobody is found. Those gaps used to be filled with the
    joint's median over the rep (standing, mostly) before the outlier check, whose running
    median then threw away the real bottom frames: a deep squat read 60 degrees of knee bend
    instead of 33, and the model called it "no depth"."""
    model = load_model()
    checked = 0
    for i in range(0, len(squat_form.reps), 50):
        joints = squat_form.reps[i]
        if len(joints) < 20:
            continue
        gappy = joints.copy()
        gappy[::2] = np.nan
        whole, holed = rep_features(joints).scalars, rep_features(gappy).scalars
        assert holed["bottom_knee_angle"] == pytest.approx(whole["bottom_knee_angle"], abs=8), i
        assert holed["bottom_hip_above_knee"] == pytest.approx(whole["bottom_hip_above_knee"], abs=0.1), i
        checked += 1
    assert checked >= 15
    deep = squat_form.reps[list(squat_form.table["rep"]).index("recording_06042023_125321")]
    gappy = deep.copy()
    gappy[::2] = np.nan
    assert model.predict([gappy])[0] == model.predict([deep])[0] == "olympic squat"


def test_model_loads_and_predicts_real_reps(squat_form):
    model = load_model()
    reps = squat_form.reps[::25]
    labels = model.predict(reps)
    p_good = model.predict_good(reps)
    assert len(labels) == len(reps) and set(labels) <= set(LABELS)
    assert np.all((p_good >= 0) & (p_good <= 1))
    # On reps it was trained on, good reps must get a higher P(good) than faulty ones.
    truth = np.isin(squat_form.labels[::25], GOOD_LABELS)
    assert p_good[truth].mean() > p_good[~truth].mean() + 0.2


def _write_folder(tmp_path, squat_form, rows, with_label, scale):
    table = squat_form.table.iloc[rows]
    columns = ["rep", "recording_date", "frames"] + (["label"] if with_label else [])
    table[columns].to_csv(tmp_path / "labels.csv", index=False)
    np.savez(tmp_path / "reps.npz", **{rep: squat_form.reps[i] * scale for rep, i in zip(table["rep"], rows)})
    return table


@pytest.mark.parametrize("with_label, scale", [(True, 1.0), (False, 0.01)])
def test_form_predict_cli_writes_one_row_per_rep(tmp_path, capsys, squat_form, with_label, scale):
    from analysis.cli import main

    rows = list(range(0, len(squat_form.reps), 97))
    table = _write_folder(tmp_path, squat_form, rows, with_label, scale)
    assert main(["form", "predict", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "rep,label,p_good"
    assert len(lines) == len(table) + 1
    for line, rep in zip(lines[1:], table["rep"]):
        name, label, p_good = line.split(",")
        assert name == rep and label in LABELS and 0.0 <= float(p_good) <= 1.0


def _damaged_reps(squat_form, rows):
    """Real reps broken in the ways held-back data may be: every frame unknown, two frames
    left, most frames NaN, runs of frames exploded to another scale, no foot joints."""
    rng = np.random.default_rng(0)
    out = {}
    for i in rows:
        rep = squat_form.reps[i].copy()
        out[f"{i}_all_nan"] = np.full_like(rep, np.nan)
        out[f"{i}_two_frames"] = rep[:2]
        nan = rep.copy()
        nan[rng.random(len(rep)) < 0.7] = np.nan
        out[f"{i}_nan_frames"] = nan
        exploded = rep.copy()
        exploded[rng.random(len(rep)) < 0.4] *= 1e6
        out[f"{i}_exploded_frames"] = exploded
        no_feet = rep.copy()
        no_feet[:, J["left_heel"] :] = np.nan
        out[f"{i}_no_feet"] = no_feet
    return out


def test_form_predict_labels_agree_with_p_good_and_are_never_unknown(tmp_path, capsys, squat_form):
    from analysis.cli import main

    rows = list(range(3, len(squat_form.reps), 53))
    reps = {squat_form.table["rep"][i]: squat_form.reps[i] for i in rows}
    reps.update(_damaged_reps(squat_form, rows[:4]))
    table = pd.DataFrame(
        {"rep": list(reps), "recording_date": "01012024", "frames": [len(r) for r in reps.values()]}
    )
    table.to_csv(tmp_path / "labels.csv", index=False)
    np.savez(tmp_path / "reps.npz", **reps)
    assert main(["form", "predict", "--data", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "rep,label,p_good" and len(lines) == len(reps) + 1
    good_seen = fault_seen = False
    for line, name in zip(lines[1:], reps):
        rep, label, p_good = line.split(",")
        assert rep == name and label in LABELS, line
        assert (float(p_good) >= 0.5) == (label in GOOD_LABELS), line
        good_seen |= label in GOOD_LABELS
        fault_seen |= label not in GOOD_LABELS
    assert good_seen and fault_seen


def test_model_labels_agree_with_p_good(squat_form):
    model = load_model()
    reps = squat_form.reps[1::30]
    labels = model.predict(reps)
    p_good = model.predict_good(reps)
    assert np.array_equal(np.isin(labels, GOOD_LABELS), p_good >= 0.5)


def test_exploded_frames_and_missing_feet_keep_the_rep_measurable(squat_form):
    rows = [3, 100, 500]
    damaged = _damaged_reps(squat_form, rows)
    for i in rows:
        clean = rep_features(squat_form.reps[i]).scalars
        exploded = rep_features(damaged[f"{i}_exploded_frames"]).scalars
        assert exploded["bottom_knee_angle"] == pytest.approx(clean["bottom_knee_angle"], abs=10)
        assert exploded["max_trunk_lean"] == pytest.approx(clean["max_trunk_lean"], abs=10)
        no_feet = rep_features(damaged[f"{i}_no_feet"]).scalars
        assert no_feet["bottom_knee_angle"] == pytest.approx(clean["bottom_knee_angle"], abs=1e-6)
        assert math.isnan(no_feet["max_heel_rise"])


def test_predictions_do_not_depend_on_units(squat_form):
    model = load_model()
    reps = squat_form.reps[:40]
    a = model.predict_good(reps)
    b = model.predict_good([r * 0.001 for r in reps])
    # The features agree to float rounding (test_features_ignore_units_and_rotation); a
    # tree's split can fall between two such values, so P(good) may move by a hair, and
    # the printed labels must not change at all.
    assert np.allclose(a, b, atol=0.01)
    assert np.array_equal(model.predict(reps), model.predict([r * 0.001 for r in reps]))


def test_strictness_never_makes_more_reps_good(squat_form):
    from analysis.form.verdict import verdict_from_features

    model = load_model()
    features = [RepFeatures.from_joints(r, np.arange(len(r)) / 30) for r in squat_form.reps[::40]]
    lenient = [verdict_from_features(model, f, 0.0)[1] for f in features]
    strict = [verdict_from_features(model, f, 1.0)[1] for f in features]
    assert sum(strict) <= sum(lenient)
    assert all(s <= g for s, g in zip(strict, lenient))


@pytest.mark.slow
def test_sample_clip_gets_a_verdict_per_rep(sample_squat_track):
    from analysis.counting import count_reps

    assert detect_view(sample_squat_track) == "side"
    reps = count_reps(sample_squat_track, method="auto", exercise="squat").reps
    verdicts = assess_squat_reps(sample_squat_track, reps)
    assert len(verdicts) == len(reps) == 2
    for rep, verdict in zip(reps, verdicts):
        assert verdict.start_s == rep.start_s and verdict.end_s == rep.end_s
        assert verdict.label in LABELS and verdict.view == "side"
        assert 0.0 <= verdict.p_good <= 1.0
        assert verdict.trusted["knee_valgus"] is False and "knees caving" not in verdict.faults
        assert any(ch.isdigit() for ch in verdict.reason)
        assert abs(verdict.features["bottom_time_s"] - rep.bottom_s) < 1.5
        # A barbell squat is far below standing: knees bent well past 45 degrees.
        assert verdict.features["bottom_knee_angle"] < 135
        json.dumps(verdict.to_dict())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["curl_side_formfit_1.mp4", "pushup_side_tayyab_2.mp4"])
def test_reps_that_are_not_squats_get_no_squat_verdict(shared_data, pose_cache_dir, name):
    """A curl or a push-up judged as if it were a squat is not told to "sit deeper". (Counted
    as squats, their knees swing too little to count at all: ``ExercisePreset.min_swing``;
    judged here are the reps counted without an exercise name, as a caller may pass them.)"""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form.verdict import NOT_A_SQUAT
    from analysis.pose import extract_pose

    track = extract_pose(shared_data / "clips" / name, workers=1, cache=TrackCache(pose_cache_dir))
    assert count_reps(track, exercise="squat").count == 0
    verdicts = assess_squat_reps(track, count_reps(track).reps)
    assert verdicts
    for verdict in verdicts:
        assert verdict.label == NOT_A_SQUAT and not verdict.judged and not verdict.good
        assert math.isnan(verdict.p_good) and verdict.faults == []
        assert "too little for a squat" in verdict.reason and "sit deeper" not in verdict.reason


def test_the_not_a_squat_rule_spares_real_squats(squat_form, sample_squat_track):
    """Of the 1,016 labelled squats, only recordings that show no squat movement fall under
    both limits (under 1%), and both reps of the sample squat are judged."""
    from analysis.counting import count_reps
    from analysis.form.verdict import MIN_SQUAT_HIP_DROP, MIN_SQUAT_KNEE_BEND

    scalars = [rep_features(rep).scalars for rep in squat_form.reps]
    knee_bend = -np.array([s["change_knee_angle"] for s in scalars])
    hip_drop = -np.array([s["change_hip_height"] for s in scalars])
    flagged = (knee_bend < MIN_SQUAT_KNEE_BEND) & (hip_drop < MIN_SQUAT_HIP_DROP)
    assert flagged.mean() < 0.01
    assert np.median(knee_bend) > 3 * MIN_SQUAT_KNEE_BEND  # the limits are far below a typical squat
    reps = count_reps(sample_squat_track, method="auto", exercise="squat").reps
    assert all(v.judged for v in assess_squat_reps(sample_squat_track, reps))


@pytest.mark.slow
def test_a_rep_that_goes_on_to_the_floor_is_not_judged_as_a_squat(shared_data, pose_cache_dir, squat_form):
    """The squat preset counts a front-view lifter's drop to the floor at 28.7 s (the next
    exercise) as a 13th rep, and it was judged "good (olympic squat)", p(good) 0.90: a
    squat ends standing. His 12 squats are still judged, and none of the 1,016 labelled
    training reps ends leaning and low."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form.verdict import END_MAX_LEAN, END_MIN_HEIGHT, NOT_A_SQUAT, end_pose
    from analysis.pose import extract_pose

    clip = shared_data / "clips" / "squat_front_rjsong_1.mp4"
    track = extract_pose(clip, workers=2, cache=TrackCache(pose_cache_dir))
    verdicts = assess_squat_reps(track, count_reps(track, exercise="squat").reps)
    *squats, drop = verdicts
    assert len(squats) == 12 and all(v.judged for v in squats)  # clips.tsv: 12 squats
    assert abs(drop.bottom_s - 28.7) < 0.5
    assert drop.label == NOT_A_SQUAT and not drop.good and math.isnan(drop.p_good)
    assert "did not stand back up" in drop.reason
    ends = np.array([end_pose(rep_features(rep)) for rep in squat_form.reps])
    assert not ((ends[:, 0] > END_MAX_LEAN) & (ends[:, 1] < END_MIN_HEIGHT)).any()


@pytest.mark.slow
def test_form_json_cli_on_a_saved_track(tmp_path, capsys, sample_squat_track):
    from analysis.cli import main

    path = tmp_path / "squat.npz"
    sample_squat_track.save(path)
    assert main(["form", "--json", "--strictness", "0.8", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["view"] == "side" and len(payload["reps"]) == 2
    assert payload["p_good_threshold"] == pytest.approx(0.62)
    for rep in payload["reps"]:
        assert rep["good"] == (rep["p_good"] >= 0.62)
        assert isinstance(rep["reason"], str) and rep["reason"]
        assert not math.isnan(rep["p_good"])


@pytest.mark.slow
def test_form_csv_cli_is_the_verdicts_table(tmp_path, capsys, sample_squat_track):
    """`form --csv` (the Squat form page's export) has one row per rep with the verdict and
    the measures the reason quotes."""
    import csv
    import io

    from analysis.cli import main
    from analysis.counting import count_reps
    from analysis.form.verdict import VERDICT_COLUMNS

    path = tmp_path / "squat.npz"
    sample_squat_track.save(path)
    assert main(["form", "--csv", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    verdicts = assess_squat_reps(
        sample_squat_track, count_reps(sample_squat_track, method="auto", exercise="squat").reps
    )
    assert len(rows) == len(verdicts) == 2
    assert tuple(rows[0]) == VERDICT_COLUMNS
    for row, verdict in zip(rows, verdicts):
        assert int(row["rep"]) == verdict.index + 1 and row["label"] == verdict.label
        assert float(row["p_good"]) == pytest.approx(verdict.p_good, abs=1e-3)
        assert row["good"] == str(verdict.good) and row["reason"] == verdict.reason
        assert float(row["start_s"]) < float(row["bottom_s"]) < float(row["end_s"])
        # the measures are the features the verdict used: a deep squat bends the knee well past 45 degrees
        assert float(row["knee_angle_deg"]) == pytest.approx(verdict.features["bottom_knee_angle"], abs=1e-3)
        assert float(row["knee_angle_deg"]) < 135
        assert float(row["trunk_lean_deg"]) == pytest.approx(verdict.features["max_trunk_lean"], abs=1e-3)


def test_the_verdicts_table_never_shows_a_pass_or_a_number_its_reason_rejects(sample_squat_track):
    """p(good) 0.4996 read 0.5 in the CSV beside good=False (the page shows 0.49), and a
    measure the reason called beyond what a body does was still quoted in the table."""
    from dataclasses import replace

    from analysis.counting import count_reps
    from analysis.form.verdict import verdict_rows

    verdict = assess_squat_reps(sample_squat_track, count_reps(sample_squat_track, exercise="squat").reps)[0]
    failing = replace(verdict, p_good=0.4996, good=False)
    row = verdict_rows([failing])[0]
    assert row["p_good"] == 0.499 and row["good"] is False
    spoiled = replace(verdict, features={**verdict.features, "max_trunk_lean": 167.0})
    assert verdict_rows([spoiled])[0]["trunk_lean_deg"] is None  # 167 degrees: not a measurement
    assert verdict_rows([verdict])[0]["trunk_lean_deg"] == pytest.approx(
        verdict.features["max_trunk_lean"], abs=1e-3
    )


def test_form_cli_refuses_a_csv_track_which_lacks_what_the_verdicts_measure(
    tmp_path, capsys, sample_squat_track
):
    """The .csv export has no frame size and no world landmarks: its verdicts came out wrong
    (a trunk lean of 102 degrees), so `form` says what to give instead and changes nothing."""
    from analysis.cli import main

    path = tmp_path / "squat.csv"
    sample_squat_track.to_csv(path)
    assert main(["form", "--json", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "squat.csv" in captured.err and ".npz track" in captured.err
    # the same export saved again as .npz had been judged without a word (2 of 3 verdicts of
    # squat_side_formfit_1 flipped; a jumping-jack pose array became "14 squats": review P)
    from analysis.track import load_track

    resaved = tmp_path / "resaved.npz"
    load_track(path).save(resaved)
    assert main(["form", "--json", str(resaved)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "resaved.npz" in captured.err and "world landmarks" in captured.err
    # a folder is a folder, not "not found"
    assert main(["form", str(tmp_path)]) == 2
    assert "a folder" in capsys.readouterr().err


def test_form_cli_refuses_a_bad_model_file_before_any_pose_pass(tmp_path, capsys):
    """A file that is no form model was refused only after the clip's pose pass (review P)."""
    from analysis.cli import main
    from tests.conftest import SAMPLE_VIDEOS

    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"not a model")
    clip = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"
    assert main(["form", "--no-cache", "--form-model", str(bad), str(clip)]) == 2
    captured = capsys.readouterr()
    assert "cannot be loaded" in captured.err and "pose:" not in captured.err and captured.out == ""


def test_form_cli_refuses_json_and_csv_together(capsys):
    from analysis.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["form", "--json", "--csv", "clip.mp4"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow
def test_heel_and_toe_lift_need_the_feet_in_the_frame(sample_squat_track):
    from analysis.form.view import FEET, feet_in_view
    from analysis.landmarks import INDEX
    from analysis.track import PoseTrack

    assert feet_in_view(sample_squat_track)
    landmarks = sample_squat_track.landmarks.copy()
    landmarks[:, [INDEX[name] for name in FEET], 1] = 1.2  # a close-up: feet below the frame's edge
    cropped = PoseTrack(
        times=sample_squat_track.times, landmarks=landmarks, visibility=sample_squat_track.visibility,
        world=sample_squat_track.world, width=sample_squat_track.width, height=sample_squat_track.height,
    )  # fmt: skip
    assert not feet_in_view(cropped)
    reps = [type("Rep", (), {"start_s": 7.6, "bottom_s": 10.5, "end_s": 12.1})()]
    (verdict,) = assess_squat_reps(cropped, reps)
    assert verdict.trusted["heel_lift"] is False and verdict.trusted["toe_lift"] is False
    assert not {"heels lifting", "toes lifting"} & set(verdict.faults)


@pytest.mark.slow
def test_form_cli_on_the_sample_video(capsys, pose_cache_dir, sample_squat_track):
    from analysis.cli import main
    from tests.conftest import SAMPLE_VIDEOS

    video = SAMPLE_VIDEOS / "squat_side_rohanx01_1.mp4"
    assert main(["form", "--json", "--workers", "1", "--cache-dir", str(pose_cache_dir), str(video)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["file"] == video.name and payload["path"] == str(video) and len(payload["reps"]) == 2
    bottoms = sorted(rep["features"]["bottom_time_s"] for rep in payload["reps"])
    assert bottoms[0] == pytest.approx(10.5, abs=1.0) and bottoms[1] == pytest.approx(17.3, abs=1.0)
    assert all("bottom_hip_above_knee_cm" in rep["features"] for rep in payload["reps"])


def _quoted_numbers(reason: str) -> list[str]:
    import re

    return re.findall(r"(\d+)(°|% of ankle width| cm)", reason)


def test_reasons_never_quote_a_number_the_body_cannot_reach(shared_data, pose_cache_dir):
    """Where the bar hides the lifter the skeleton is tracked wrongly for a few frames: the
    reason said 'trunk leaned 167° from vertical' (formfit_3) and 'heels rose 52 cm' with both
    feet flat (formfit_1). Such a number is not evidence. Later every export still called a
    formfit_1 rep "toes lifting" while its reason said the toe measure could not be trusted:
    a fault whose own measure is beyond what a body does on a rep is now never its verdict."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form.verdict import FAULT_EVIDENCE, PLAUSIBLE_RANGE
    from analysis.pose import extract_pose

    unmeasurable = 0
    for name in ("squat_side_formfit_1.mp4", "squat_side_formfit_3.mp4"):
        track = extract_pose(shared_data / "clips" / name, workers=2, cache=TrackCache(pose_cache_dir))
        for verdict in assess_squat_reps(track, count_reps(track, exercise="squat").reps):
            for part in verdict.reason.split("; "):
                # a trunk past horizontal, or heels or toes risen above a hand's height (hips
                # 28 cm below the knees is a deep squat, not an impossibility)
                impossible = [
                    (value, unit) for value, unit in _quoted_numbers(part)
                    if (unit == "°" and int(value) > 90) or (unit == " cm" and "rose" in part and int(value) > 25)
                ]  # fmt: skip
                assert not impossible, part
            for fault, (feature, _, _) in FAULT_EVIDENCE.items():
                low, high = PLAUSIBLE_RANGE[feature]
                value = verdict.features.get(feature, float("nan"))
                if np.isfinite(value) and not low <= value <= high:
                    unmeasurable += 1
                    assert fault not in verdict.faults and verdict.label != fault, (
                        name,
                        verdict.index,
                        fault,
                    )
    # the premise: a rep with a measure the body cannot reach is there. Which clip holds one
    # depends on the exact pixels, so either will do
    assert unmeasurable


def test_a_reason_does_not_contradict_its_own_number(squat_form):
    """A fault label whose measure points the other way ('knees moved in to 133% of ankle
    width: push them out') now says the call rests on the rep as a whole."""
    from analysis.form.verdict import FAULT_EVIDENCE, explain

    model = load_model()
    checked = 0
    for rep in squat_form.reps[:400]:
        features = rep_features(rep)
        for fault, (feature, shows_fault, (low, high)) in FAULT_EVIDENCE.items():
            value = features.scalars[feature]
            text = explain(fault, features, metres=False)
            if low <= value <= high and not shows_fault(value):
                checked += 1
                assert "does not show it" in text and "push them out" not in text and "sit deeper" not in text
    assert checked > 0 and model is not None  # the training reps hold such cases


def test_a_fault_is_blamed_on_its_measure_only_past_that_measures_line(squat_form):
    """A rep called "no depth" with its hips 2 cm above the knee read "sit deeper" while a
    rep 7 cm above was good: the model judges the whole rep. The measure is now quoted as
    the cause only when it passes the fault's own line at this strictness (``rule_fires``);
    otherwise the reason says the measure lies within the good reps' range."""
    from analysis.form.verdict import FAULT_RULES, rule_fires, verdict_from_features

    model = load_model()
    seen = {True: 0, False: 0}
    for rep in squat_form.reps[:300]:
        features = rep_features(rep)
        for strictness in (0.0, 1.0):
            label, good, faults, _, reason = verdict_from_features(model, features, strictness)
            if good or label not in FAULT_RULES:
                continue
            first = reason.split("; ")[0]
            if "cannot be trusted" in first or "does not show it" in first:
                continue  # the measure is untrustworthy or points the other way: said so already
            fires = rule_fires(model, label, features.scalars, strictness)
            seen[fires] += 1
            assert ("within the range of good reps" in first) == (not fires), (label, strictness, first)
            assert first.startswith(label) == (not fires), first
    assert seen[True] and seen[False]  # the training reps hold both cases


def test_p_good_is_shown_rounded_down_so_a_fault_never_reads_as_a_pass():
    from analysis.form.verdict import p_good_threshold
    from analysis.wording import format_p_good

    threshold = p_good_threshold(0.5)
    assert format_p_good(0.4968) == "0.49" and threshold > 0.4968  # '0.50' read as a pass
    assert format_p_good(0.5) == "0.50" and format_p_good(float("nan")) == "-"
    # 0.58 is stored as 0.57999...: the strictness-0.7 bar itself read "0.57"
    assert [format_p_good(p_good_threshold(s)) for s in (0.7, 0.675)] == ["0.58", "0.57"]
    assert [format_p_good(v) for v in (0.29, 0.57, 0.58)] == ["0.29", "0.57", "0.58"]


def test_form_predict_on_a_folder_with_no_reps_is_one_error(tmp_path, capsys, squat_form):
    from analysis.cli import main

    (tmp_path / "labels.csv").write_text("rep,label,recording_date,frames\n")
    np.savez(tmp_path / "reps.npz", unused=squat_form.reps[0])
    assert main(["form", "predict", "--data", str(tmp_path)]) == 2
    assert "lists no reps" in capsys.readouterr().err


def test_form_predict_reads_any_rep_name_and_names_a_damaged_file(tmp_path, capsys, squat_form):
    """Rep names such as "nan" or "NA" are names, not missing values; an empty labels.csv,
    a reps.npz that is no archive and a model file that is no model are one error line."""
    from analysis.cli import main

    names = ["nan", "NA", "None", "null", "N/A"]
    np.savez(tmp_path / "reps.npz", **{name: squat_form.reps[i] for i, name in enumerate(names)})
    (tmp_path / "labels.csv").write_text("rep\n" + "\n".join(names) + "\n")
    assert main(["form", "predict", "--data", str(tmp_path)]) == 0
    assert [line.split(",")[0] for line in capsys.readouterr().out.splitlines()[1:]] == names
    assert main(["form", "predict", "--data", str(tmp_path), "--json"]) == 2  # was ignored: CSV came out
    assert "always prints CSV" in capsys.readouterr().err

    (tmp_path / "labels.csv").write_text("")
    assert main(["form", "predict", "--data", str(tmp_path)]) == 2
    assert "labels.csv cannot be read as a table" in capsys.readouterr().err
    (tmp_path / "labels.csv").write_text("rep\nnan\n")
    (tmp_path / "reps.npz").write_text("not an archive")
    assert main(["form", "predict", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err  # numpy's own words had blamed "pickled data" (review H)
    assert "reps.npz is not a NumPy .npz archive" in err and "pickle" not in err
    np.savez(tmp_path / "reps.npz", nan=squat_form.reps[0])
    (tmp_path / "model.joblib").write_text("not a model")
    assert (
        main(["form", "predict", "--data", str(tmp_path), "--form-model", str(tmp_path / "model.joblib")])
        == 2
    )
    assert "cannot be loaded" in capsys.readouterr().err


def test_a_measure_the_body_cannot_reach_fires_no_fault_rule():
    """formfit_1's first rep: "heels rose 52 cm" (the bar hid the lifter) added "heels
    lifting" by rule, and its reason then called the same number untrustworthy."""
    from analysis.form.verdict import FAULT_RULES, PLAUSIBLE_RANGE, rule_fires, rule_threshold

    model = load_model()
    for fault, feature in FAULT_RULES.items():
        low, high = PLAUSIBLE_RANGE[feature]
        threshold = rule_threshold(model, feature, 0.5)
        beyond = low - 0.5 * (high - low) if fault == "knees caving" else high + 0.5 * (high - low)
        inside = (low + threshold) / 2 if fault == "knees caving" else (threshold + high) / 2
        assert rule_fires(model, fault, {feature: inside}, 0.5), fault
        assert not rule_fires(model, fault, {feature: beyond}, 0.5), fault


def test_form_predict_warns_about_reps_it_cannot_measure(tmp_path, capsys, squat_form):
    """A rep of two frames has no usable measures; its row is still printed (one per rep),
    and stderr says which rows are guesses. Its p_good is 0.5, no evidence either way: it
    read as a confident 'powerlifting squat', 0.92, the imputed means' verdict."""
    from analysis.cli import main

    reps = {"whole": squat_form.reps[0], "two_frames": squat_form.reps[1][:2]}
    np.savez(tmp_path / "reps.npz", **reps)
    (tmp_path / "labels.csv").write_text("rep\nwhole\ntwo_frames\n")
    assert main(["form", "predict", "--data", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    rows = [line.split(",") for line in captured.out.splitlines()]
    assert [row[0] for row in rows] == ["rep", "whole", "two_frames"]
    assert "1 rep(s) have too few usable frames" in captured.err and "two_frames" in captured.err
    assert rows[2][2] == "0.5000" and rows[1][2] != "0.5000"
    assert rows[2][1] in GOOD_LABELS  # p_good 0.5 passes the 0.5 bar: the printed label agrees


def test_a_rep_filmed_after_a_camera_cut_is_judged_for_its_own_view(shared_data, pose_cache_dir):
    """The clip cuts from a side view to a front one at 17.2 s: its third squat was judged as
    seen from the side (trunk lean quoted, knee valgus never judged). A steady camera keeps
    one view for every rep, borderline or not."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.pose import extract_pose

    def views(name):
        track = extract_pose(shared_data / "clips" / name, workers=2, cache=TrackCache(pose_cache_dir))
        verdicts = assess_squat_reps(track, count_reps(track, exercise="squat").reps)
        return [(v.view, v.start_s > 17.2) for v in verdicts], verdicts

    cut, verdicts = views("squat_sidethenfront_ikramaliokz_1.mp4")
    assert {view for view, after in cut if not after} == {"side"}
    assert {view for view, after in cut if after} == {"front"}
    after = next(v for v in verdicts if v.start_s > 17.2)
    assert after.trusted["knee_valgus"] and not after.trusted["trunk_lean"]
    for steady in ("squat_front_rjsong_1.mp4", "squat_side_formfit_1.mp4"):  # the second sits near a cut-off
        assert len({view for view, _ in views(steady)[0]}) == 1


def test_form_cli_names_each_view_of_a_clip_that_changes_view(shared_data, pose_cache_dir, tmp_path, capsys):
    """``form`` had printed the first rep's view for the whole clip ("3 squats, side view")
    and ``--json`` one "view", though the third squat is judged as seen from the front."""
    from analysis.cache import TrackCache
    from analysis.cli import main
    from analysis.pose import extract_pose

    clip = shared_data / "clips" / "squat_sidethenfront_ikramaliokz_1.mp4"
    path = tmp_path / "cut.npz"
    extract_pose(clip, workers=2, cache=TrackCache(pose_cache_dir)).save(path)
    assert main(["form", "--json", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["view"] == "mixed" and payload["views"] == {"side": [1, 2], "front": [3]}
    assert [rep["view"] for rep in payload["reps"]] == ["side", "side", "front"]
    assert main(["form", str(path)]) == 0
    assert "side view (reps 1, 2), front view (rep 3)" in capsys.readouterr().out


def test_a_good_rep_past_a_faults_line_says_so(shared_data, pose_cache_dir):
    """A card read "good form: trunk lean 68°" beside one reading "trunk leaned 67° from
    vertical: keep your chest up" (squat_side_formfit_1): the model judged the rep good as a
    whole, and its lean was past the line the other rep was faulted by. A good rep now says
    which lines it is past; one within every line says nothing of the kind."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form.verdict import FAULT_FEATURE_GROUP, FAULT_RULES, rule_fires
    from analysis.pose import extract_pose

    model = load_model()
    past_any = within_all = 0
    for name in ("squat_side_formfit_1.mp4", "squat_side_wissem_1.mp4"):
        track = extract_pose(shared_data / "clips" / name, workers=2, cache=TrackCache(pose_cache_dir))
        for verdict in assess_squat_reps(track, count_reps(track, exercise="squat").reps, model=model):
            if not verdict.good:
                continue
            past = [
                fault for fault in FAULT_RULES
                if verdict.trusted.get(FAULT_FEATURE_GROUP[fault], True)
                and rule_fires(model, fault, verdict.features, 0.5)
            ]  # fmt: skip
            if past:
                past_any += 1
                _, _, said = verdict.reason.partition("though past this strictness's line for ")
                assert all(fault in said for fault in past), verdict.reason
            else:
                within_all += 1
                assert "though past" not in verdict.reason
    assert past_any and within_all  # both kinds of good rep are there to be read


def test_a_rep_whose_bottom_was_not_seen_is_not_judged(shared_data, pose_cache_dir, clips_table):
    """squat_side_formfit_3's third rep: the lifter is hidden behind the plates at the bottom
    (1 of 3 frames around it show him), and the joints bridged across the gap made it "good,
    hips 28 cm below knee height" at any strictness (review H). Its second rep: he is lost
    from 6.03 to 6.77 s, around the hand-marked bottom, and the frames before the gap made it
    "bending forward, trunk 88 degrees" (review N). The rep seen throughout is judged."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form.verdict import UNKNOWN
    from analysis.pose import extract_pose

    track = extract_pose(
        shared_data / "clips" / "squat_side_formfit_3.mp4", workers=2, cache=TrackCache(pose_cache_dir)
    )
    first, second, third = assess_squat_reps(track, count_reps(track, exercise="squat").reps, strictness=1.0)
    assert first.judged
    assert third.label == UNKNOWN and not third.good and math.isnan(third.p_good)
    assert "not found in" in third.reason and "around the bottom of this rep" in third.reason
    (row,) = [r for r in clips_table if r["file"] == "squat_side_formfit_3.mp4"]
    hand_bottom = float(row["rep_bottom_times_s"].split(";")[1])
    assert second.start_s < hand_bottom < second.end_s
    assert not track.detected[np.argmin(np.abs(track.times - hand_bottom))]  # lost at his bottom
    assert second.label == UNKNOWN and math.isnan(second.p_good) and not second.faults
    # the card and the tables say it in the summary's words, not "unknown" (review N)
    assert second.verdict_words == third.verdict_words == "not judged (not seen well enough)"
    assert "frames of this rep" in second.reason and "its bottom may not have been seen" in second.reason
    # the CSV and the report show no measures read off the lines bridging what was not seen
    from analysis.form.verdict import VERDICT_MEASURES, verdict_rows

    rows = verdict_rows([first, second, third])
    assert all(rows[1][column] is None and rows[2][column] is None for column in VERDICT_MEASURES)
    assert sum(rows[0][column] is not None for column in VERDICT_MEASURES) >= 3


def test_a_good_rep_with_hips_above_knee_height_says_it_is_deep_enough(sample_squat_track):
    """ "good form: hips 3 cm above knee height" read to a coach as a slip (review J): above
    the knee is above parallel. A good rep within the depth line says so."""
    from analysis.counting import count_reps

    verdicts = assess_squat_reps(sample_squat_track, count_reps(sample_squat_track, exercise="squat").reps)
    above = [v for v in verdicts if v.good and v.features["bottom_hip_above_knee"] > 0]
    assert above, [v.reason for v in verdicts]
    for verdict in above:
        assert "above knee height (deep enough at this strictness)" in verdict.reason


@pytest.mark.slow
def test_form_json_says_why_a_clip_has_no_squat(shared_data, pose_cache_dir, tmp_path, capsys):
    """A jumping-jack clip printed {"reps": []} and nothing on why (review P); the text output
    said it."""
    import json

    from analysis.cache import TrackCache
    from analysis.cli import main
    from analysis.pose import extract_pose

    track = extract_pose(
        shared_data / "clips" / "jumpingjack_front_afrl_1.mp4", cache=TrackCache(pose_cache_dir)
    )
    path = tmp_path / "jacks.npz"
    track.save(path)
    assert main(["form", "--json", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["reps"] == [] and "does not look like this exercise" in payload["none_because"]


def test_the_model_predicts_on_one_openmp_thread_and_the_same_probabilities(squat_form):
    """Verdicts predict one rep at a time; on two OpenMP threads the gradient boosting's threads
    waited on each other whenever the cores were busy: 72 reps of a 3-minute clip took 14-22 s
    instead of 1 (review AE). One thread now, and the probabilities the pipeline gives on its own."""
    from threadpoolctl import threadpool_info

    from analysis.form.model import as_features

    model = load_model()
    reps = [as_features(joints) for joints in squat_form.reps[:40]]
    pipeline = model.pipeline_
    unlimited = pipeline.predict_proba(reps)
    seen = []

    class Watched:
        def predict_proba(self, X):
            seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")
            return pipeline.predict_proba(X)

    model.pipeline_ = Watched()
    try:
        limited = model.predict_proba(reps)
    finally:
        model.pipeline_ = pipeline
    assert seen and set(seen) == {1}
    assert np.array_equal(limited, unlimited)


def test_train_form_refuses_an_output_that_its_model_card_would_overwrite(tmp_path, capsys):
    """The card is written beside the model as OUT.md: `-o x.md` would put the card over the
    model. Refused before any training (no data is even read), and nothing is written."""
    from analysis.cli import main

    output = tmp_path / "model.md"
    assert main(["train-form", "--data", str(tmp_path / "no such folder"), "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert "both the model and its card" in err and "OUT.joblib" in err
    assert not output.exists()


def test_a_set_scored_once_gets_at_any_strictness_the_verdicts_of_each_rep_judged_alone(
    shared_data, pose_cache_dir
):
    """The strictness moves only the P(good) a rep needs and the fault rules' lines, so a set
    is measured and predicted once (``score_squat_reps``, all its reps in one prediction) and
    judged at any strictness from that (``verdicts_at``): the Squat form page's slider had
    measured and predicted a 78-rep set again on every step (review AQ). Each verdict is the
    one its rep gets judged alone, at every strictness; the reps the model may not judge keep
    their reason. A front-view clip whose verdicts move with the strictness, and one with a
    rep hidden at its bottom."""
    from analysis.cache import TrackCache
    from analysis.counting import count_reps
    from analysis.form import score_squat_reps, verdicts_at
    from analysis.form.verdict import verdict_from_features
    from analysis.pose import extract_pose

    model = load_model()
    moved = set()
    for name in ("squat_front_rjsong_1.mp4", "squat_side_formfit_3.mp4"):
        track = extract_pose(shared_data / "clips" / name, workers=2, cache=TrackCache(pose_cache_dir))
        scored = score_squat_reps(track, count_reps(track, exercise="squat").reps, model)
        for strictness in (0.0, 0.5, 1.0):
            verdicts = verdicts_at(scored, strictness, model)
            assert len(verdicts) == len(scored)
            for verdict, rep in zip(verdicts, scored):
                if rep.proba is None:  # not judged: why, whatever the strictness
                    assert not verdict.judged and (rep.unjudged is None or verdict.reason == rep.unjudged[1])
                    continue
                alone = verdict_from_features(model, rep.features, strictness, rep.trusted, rep.metres)
                assert (verdict.label, verdict.good, verdict.faults, verdict.reason) == (*alone[:3], alone[4])
                assert verdict.p_good == pytest.approx(alone[3], abs=1e-12)
                assert verdict.p_good_needed == pytest.approx(0.3 + 0.4 * strictness)
                moved.add((name, verdict.index, verdict.good))
    assert any((n, i, not g) in moved for n, i, g in moved)  # some verdict did change with the strictness
    assert any(not r.judged for r in verdicts)  # squat_side_formfit_3: reps hidden behind the plates
