"""Train: the spec-driven form, a real worker run polled to completion, queue, cancel, failures."""

from __future__ import annotations

import time

from toy_data import write_sentiment_csv
from ui_helpers import chart_specs, open_page, texts

from workbench.data import ColumnMap
from workbench.training import runs
from workbench.training.spec import TrainSpec
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
    assert at.selectbox(key="train.method").options == ["full", "lora", "head"]
    assert at.selectbox(key="train.base_model").options == [tiny_base]


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
    at.run()
    assert f"**Run `{run_id}`** :material/check_circle: completed" in texts(at.markdown)
    assert "Model `toy-ui` is ready and is now the active model." in texts(at.success)
    assert {m.label for m in at.metric} >= {"Accuracy", "Macro F1"}
    per_class = next(df.value for df in at.dataframe if "precision" in df.value.columns)
    assert sorted(per_class.index) == ["neg", "pos"]
    assert at.session_state["active_model"] == "toy-ui"
    specs = " ".join(chart_specs(at))
    assert "Confusion matrix (validation)" in specs and '"Loss"' in specs and "Validation metrics" in specs


def test_queued_run_shows_its_position_and_can_be_cancelled(tmp_path):
    ds = _toy_dataset(tmp_path)
    spec = TrainSpec(**ds.train_fields())
    # No worker: both stay queued. Run ids sort by creation time (same second: by random suffix).
    first, second = sorted([runs.create_run(spec), runs.create_run(spec)], key=lambda r: r.id)
    at = open_page("pages/train.py", dataset=ds, run_id=second.id)
    assert "Queued: 1 training job(s) ahead of this one." in texts(at.info)[0]
    at.button(key=f"cancel-{second.id}").click().run()
    assert second.cancel_requested() and not first.cancel_requested()


def test_failed_run_shows_every_problem_and_the_log_tail_not_a_traceback(tmp_path):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()))
    run.log_file.write_text("loading and checking data\nTraceback (most recent call last):\n  boom\n")
    run.set_status(state="failed", error="2 problems", problems=["Row 3: empty text.", "Row 9: empty label."])
    at = open_page("pages/train.py", dataset=ds, run_id=run.id)
    assert texts(at.error) == ["- Row 3: empty text.\n- Row 9: empty label."]
    assert "loading and checking data" in texts(at.code)[0]
    assert not at.exception


def test_cancelled_run_with_a_checkpoint_can_be_resumed(tmp_path, monkeypatch):
    ds = _toy_dataset(tmp_path)
    run = runs.create_run(TrainSpec(**ds.train_fields()))
    (run.checkpoints / "checkpoint-10").mkdir(parents=True)
    run.set_status(state="cancelled")
    resumed = []
    monkeypatch.setattr(runs, "resume_run", lambda run_id, **kw: resumed.append(run_id))
    at = open_page("pages/train.py", dataset=ds, run_id=run.id)
    assert "This run was cancelled. Resume continues from its last checkpoint." in texts(at.info)
    at.button(key=f"resume-{run.id}").click().run()
    assert resumed == [run.id]
