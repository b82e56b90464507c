"""Train: the spec-driven form, a real worker run polled to completion, queue, cancel, failures."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from toy_data import write_sentiment_csv
from ui_helpers import chart_specs, open_page, texts

from workbench.data import ColumnMap
from workbench.training import runs
from workbench.training.spec import TrainSpec
from workbench.training.worker import record_worker
from workbench.ui.session import DatasetChoice


def _toy_dataset(folder) -> DatasetChoice:
    path = write_sentiment_csv(folder)
    return DatasetChoice(path=str(path), name="toy reviews", columns=ColumnMap(text="text", label="label"))


def _wait_until_finished(run_id: str, seconds: float = 240) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = runs.get_run(run_id).status().get("state")
        if state in runs.FINAL_STATES:
            return state
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} still {state} after {seconds} s: {runs.get_run(run_id).log_tail()}")


def test_without_dataset_points_to_data_page():
    at = open_page("pages/train.py")
    assert "Choose a dataset first" in texts(at.info)[0]
    assert not at.button


def test_form_takes_labels_and_ranges_from_the_spec(tmp_path, tiny_base):
    at = open_page("pages/train.py", dataset=_toy_dataset(tmp_path))
    info = TrainSpec.field_info()
    epochs = at.number_input(key="train.epochs")
    assert (epochs.label, epochs.min, epochs.max, epochs.value) == ("Epochs", 0.05, 100.0, 3.0)
    assert epochs.help == info["epochs"]["help"]
    assert at.selectbox(key="train.method").options == ["full", "lora", "adalora", "ia3", "head"]
    assert at.selectbox(key="train.base_model").options == [tiny_base]


def test_adapter_settings_show_only_for_their_method(tmp_path, tiny_base):
    at = open_page("pages/train.py", dataset=_toy_dataset(tmp_path))
    keys = lambda: {w.key for w in at.number_input} | {w.key for w in at.checkbox}  # noqa: E731
    assert not {"train.lora_r", "train.adalora_init_r", "train.merge_lora"} & keys()
    at.selectbox(key="train.method").set_value("adalora").run()
    assert {"train.adalora_init_r", "train.adalora_target_r", "train.merge_lora"} <= keys()
    assert "train.lora_r" not in keys()
    at.selectbox(key="train.method").set_value("lora").run()
    assert {"train.lora_r", "train.merge_lora"} <= keys() and "train.adalora_init_r" not in keys()
    assert "train.processes" in keys()  # this machine has more than one core


def test_start_run_polls_to_the_final_report(tmp_path, tiny_base):
    at = open_page("pages/train.py", dataset=_toy_dataset(tmp_path))
    at.number_input(key="train.epochs").set_value(2.0)
    at.number_input(key="train.learning_rate").set_value(3e-3)
    at.text_input(key="train.name").input("toy-ui")
    at.button(key="FormSubmitter:train.form-Start training").click().run()
    run_id = at.session_state["run_id"]
    spec = runs.get_run(run_id).spec()
    assert (spec.base_model, spec.epochs, spec.name, spec.label_col) == (tiny_base, 2.0, "toy-ui", "label")
    assert runs.get_run(run_id).status()["owner"] == at.session_state["session_id"]
    assert _wait_until_finished(run_id) == "completed"
    assert not runs.get_run(run_id).checkpoints.exists()  # the model is published: checkpoints freed
    at.run()
    assert f"**Run `{run_id}`** :material/check_circle: completed" in texts(at.markdown)
    assert "Model `toy-ui` is ready and is now the active model." in texts(at.success)
    assert {m.label for m in at.metric} >= {"Accuracy", "Macro F1"}
    per_class = next(df.value for df in at.dataframe if "precision" in df.value.columns)
    assert sorted(per_class.index) == ["neg", "pos"]
    assert at.session_state["active_model"] == "toy-ui"
    specs = " ".join(chart_specs(at))
    assert "Confusion matrix (validation)" in specs and '"Loss"' in specs and "Validation metrics" in specs


def _page_text(at) -> str:
    """Everything a person can read on the page: text elements, tables and choices."""
    parts = [*texts(at.markdown), *texts(at.info), *texts(at.caption), *texts(at.error)]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [" ".join(map(str, box.options)) for box in at.selectbox]
    return "\n".join(parts)


def _checkpoint(run: runs.RunDir, step: int = 10) -> None:
    folder = run.checkpoints / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "trainer_state.json").write_text("{}")


def test_queued_run_counts_other_sessions_runs_without_showing_them(tmp_path):
    ds = _toy_dataset(tmp_path)
    spec = TrainSpec(**ds.train_fields())
    # No worker: both stay queued (within the launch grace). Another session's run was queued first.
    theirs = runs.create_run(spec, owner="session-a")
    mine = runs.create_run(spec, owner="session-b")
    at = open_page("pages/train.py", dataset=ds, session_id="session-b", run_id=mine.id)
    assert "Queued: 1 run ahead of yours." in texts(at.info)[0]
    assert "Other sessions' jobs on this CPU: 1 queued." in " ".join(texts(at.caption))
    assert at.selectbox(key="train.watch").options == [mine.id]
    assert theirs.id not in _page_text(at)
    at.button(key=f"cancel-{mine.id}").click().run()
    assert mine.cancel_requested() and not theirs.cancel_requested()


def test_a_second_session_does_not_list_or_watch_the_first_sessions_run(tmp_path):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()), owner="session-a")
    first = open_page("pages/train.py", dataset=ds, session_id="session-a", run_id=run.id)
    assert run.id in _page_text(first) and first.button(key=f"cancel-{run.id}")
    # Even a session that knows the id (a shared link, a stale state) gets neither view nor buttons.
    second = open_page("pages/train.py", dataset=ds, session_id="session-b", run_id=run.id)
    assert run.id not in _page_text(second)
    assert not [b for b in second.button if b.key in (f"cancel-{run.id}", f"resume-{run.id}")]
    assert second.session_state["run_id"] is None
    assert "Other sessions' jobs on this CPU: 1 queued." in " ".join(texts(second.caption))


def test_failed_run_shows_every_problem_and_the_log_tail_not_a_traceback(tmp_path):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()), owner="s1")
    run.log_file.write_text("loading and checking data\nTraceback (most recent call last):\n  boom\n")
    run.set_status(state="failed", error="2 problems", problems=["Row 3: empty text.", "Row 9: empty label."])
    at = open_page("pages/train.py", dataset=ds, session_id="s1", run_id=run.id)
    assert texts(at.error) == ["- Row 3: empty text.\n- Row 9: empty label."]
    assert "loading and checking data" in texts(at.code)[0]
    assert f"resume-{run.id}" not in [b.key for b in at.button]  # no checkpoint: nothing to resume
    assert not at.exception


def test_run_whose_worker_died_says_so_and_can_be_resumed(tmp_path, monkeypatch):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()), owner="s1")
    _checkpoint(run)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    record_worker(run.path, ended.pid)  # the worker that trained it is gone
    run.set_status(state="running")
    resumed = []
    monkeypatch.setattr(runs, "resume_run", lambda run_id, **kw: resumed.append((run_id, kw["owner"])))
    at = open_page("pages/train.py", dataset=ds, session_id="s1", run_id=run.id)
    assert f"**Run `{run.id}`** :material/error: failed" in texts(at.markdown)
    assert texts(at.error) == [f"{runs.WORKER_LOST}. Resume continues from its last checkpoint."]
    at.button(key=f"resume-{run.id}").click().run()
    assert resumed == [(run.id, "s1")]


def test_cancelled_run_with_a_checkpoint_can_be_resumed(tmp_path, monkeypatch):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()), owner="s1")
    _checkpoint(run)
    run.set_status(state="cancelled")
    resumed = []
    monkeypatch.setattr(runs, "resume_run", lambda run_id, **kw: resumed.append(run_id))
    at = open_page("pages/train.py", dataset=ds, session_id="s1", run_id=run.id)
    assert "This run was cancelled. Resume continues from its last checkpoint." in texts(at.info)
    at.button(key=f"resume-{run.id}").click().run()
    assert resumed == [run.id]


def test_lora_settings_only_for_lora_and_labels_in_sentence_case(tmp_path, tiny_base):
    at = open_page("pages/train.py", dataset=_toy_dataset(tmp_path))
    keys = {w.key for w in [*at.number_input, *at.checkbox]}
    assert "train.lora_r" not in keys and "train.merge_lora" not in keys
    assert at.checkbox(key="train.mask_pii").label == "Mask PII"
    calibrate = at.checkbox(key="train.calibrate")
    assert (calibrate.label, calibrate.value) == ("Calibrate confidence", True)
    assert calibrate.help == TrainSpec.field_info()["calibrate"]["help"]
    assert at.number_input(key="train.epochs").proto.format == "%g"  # "3", not "3.00"
    at.selectbox(key="train.method").set_value("lora").run()
    assert at.number_input(key="train.lora_r").label == "LoRA r"
    assert at.checkbox(key="train.merge_lora").label == "Merge adapter"
    assert "LoRA settings" in " ".join(texts(at.markdown))


def test_time_left_counts_down_and_ignores_noise():
    from workbench.ui.run_panel import smooth_eta

    assert smooth_eta(None, 120.0, now=0.0) == 120.0
    assert smooth_eta((120.0, 0.0), 118.0, now=1.0) == pytest.approx(119.0 - 0.3)  # pulled down
    assert smooth_eta((120.0, 0.0), 126.0, now=1.0) == 119.0  # a rise within the noise: counts down
    assert smooth_eta((100.0, 0.0), 160.0, now=0.0) == 130.0  # a real slowdown: half of it shown
    assert smooth_eta((100.0, 0.0), None, now=10.0) == 90.0


def test_search_section_shows_trials_table_and_plot(tmp_path, tiny_base):
    from workbench.training.tune import Trial, TuneResult, save_search

    result = TuneResult(metric="accuracy", best_model_id="toy-trial1")
    for number, (lr, acc) in enumerate([(1e-3, 0.7), (3e-3, 0.95), (9e-3, 0.5)]):
        params = {"learning_rate": lr, "epochs": 2.0, "batch_size": 16}
        result.trials.append(Trial(number, f"run{number}", "completed", params, acc, f"toy-trial{number}"))
    save_search("toy", result)
    at = open_page("pages/train.py", dataset=_toy_dataset(tmp_path))
    assert "Best model: `toy-trial1` (accuracy)" in [m.value for m in at.markdown]
    table = at.dataframe[-1].value
    assert table["accuracy"].tolist() == [0.7, 0.95, 0.5] and table["run"].tolist() == [
        "run0",
        "run1",
        "run2",
    ]
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
