"""Experiment tracking: TensorBoard event files in every run folder, MLflow to a local file store."""

from __future__ import annotations

import pytest
from toy_data import write_sentiment_csv

from workbench.errors import SpecError
from workbench.training import tracking
from workbench.training.runs import run_in_process
from workbench.training.spec import TrainSpec

FAST = {"epochs": 2, "batch_size": 16, "learning_rate": 3e-3, "warmup_ratio": 0.0}


def test_every_run_writes_tensorboard_events(tiny_bert_dir, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    csv = write_sentiment_csv(tmp_path)
    run = run_in_process(TrainSpec(train_data=str(csv), base_model=str(tiny_bert_dir), **FAST))
    assert run.status()["state"] == "completed"
    assert not run.checkpoints.exists()  # the checkpoints went; the curves stay
    events = EventAccumulator(str(run.path / "tensorboard")).Reload()
    tags = events.Tags()["scalars"]
    assert {"train/loss", "eval/accuracy"} <= set(tags)
    assert len(events.Scalars("eval/accuracy")) == 2  # one evaluation an epoch


def test_mlflow_file_store_has_params_and_metrics(tiny_bert_dir, tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="mlflow not installed (pip install '.[mlflow]')")
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    csv = write_sentiment_csv(tmp_path)
    spec = TrainSpec(train_data=str(csv), base_model=str(tiny_bert_dir), report_to="mlflow", **FAST)
    run = run_in_process(spec)
    assert run.status()["state"] == "completed", run.status().get("error")
    client = mlflow.tracking.MlflowClient(uri)
    experiments = client.search_experiments()
    found = client.search_runs([e.experiment_id for e in experiments])
    assert [r.info.run_name for r in found] == [run.id]
    assert float(found[0].data.params["learning_rate"]) == pytest.approx(3e-3)
    assert float(found[0].data.params["num_train_epochs"]) == 2.0
    assert "eval_accuracy" in found[0].data.metrics and "loss" in found[0].data.metrics


def test_missing_tracker_is_named_with_the_install_command(monkeypatch):
    monkeypatch.setattr(tracking, "is_tracker_available", lambda name: False)
    with pytest.raises(SpecError, match=r"report_to 'wandb' needs the wandb package.*\[wandb\]"):
        tracking.check_tracker("wandb")
