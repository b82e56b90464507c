"""Multi-process training: a 2-process CPU (gloo) run under torchrun trains, saves once from rank 0,
predicts like a single-process run on the same data, and can be cancelled and resumed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.errors import SpecError
from workbench.inference.predict import load_model
from workbench.models.registry import Registry
from workbench.training.runs import create_run, execute_run, resume_run, run_in_process
from workbench.training.spec import TrainSpec
from workbench.training.trainer import train

FAST = {"epochs": 8, "batch_size": 16, "learning_rate": 3e-3, "warmup_ratio": 0.0}
# Two processes see the same batches of 16 split 8 + 8, but in another order (each rank samples its
# own half of the data), so the weights differ a little: the same labels, probabilities within this.
PROBABILITY_TOLERANCE = 0.15
TEXTS = sentiment_frame(40, seed=7)["text"].tolist()
LABELS = sentiment_frame(40, seed=7)["label"].tolist()


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_sentiment_csv(tmp_path_factory.mktemp("dist"))


def _spec(csv, base, **settings) -> TrainSpec:
    return TrainSpec(train_data=str(csv), base_model=str(base), **{**FAST, **settings})


def _failure(run) -> str:
    return f"{run.status().get('error')}\n{run.log_tail(40)}"


def test_two_gloo_processes_train_save_once_and_predict_like_one(tiny_bert_dir, toy_csv):
    single = train(_spec(toy_csv, tiny_bert_dir, name="single"))
    run = run_in_process(_spec(toy_csv, tiny_bert_dir, name="ddp", processes=2))
    assert run.status()["state"] == "completed", _failure(run)
    assert sorted(r.id for r in Registry().list()) == ["ddp", "single"]  # rank 1 published nothing
    assert not list(Registry().root.glob(".staging*"))
    record = Registry().get("ddp")
    assert record.extra["train"]["placement"] == {
        "processes": 2,
        "device": "cpu",
        "backend": "gloo",
        "precision": "fp32",
        "per_device_batch": 8,
        "grad_accumulation": 1,
    }
    assert record.spec["processes"] == 2
    assert single.metrics["accuracy"] >= 0.9 and record.metrics["accuracy"] >= 0.9
    one = np.array(
        [[p.probabilities[k] for k in ("neg", "pos")] for p in load_model("single").predict(TEXTS)]
    )
    two = np.array([[p.probabilities[k] for k in ("neg", "pos")] for p in load_model("ddp").predict(TEXTS)])
    assert [p.label for p in load_model("ddp").predict(TEXTS)] == LABELS
    print(f"largest probability difference 1 vs 2 processes: {np.abs(one - two).max():.4f}")
    assert np.abs(one - two).max() < PROBABILITY_TOLERANCE
    assert len(list((run.path / "tensorboard").glob("events.out.tfevents.*"))) == 1  # rank 0 only


def test_two_process_run_cancels_and_resumes(tiny_bert_dir, toy_csv):
    run = create_run(_spec(toy_csv, tiny_bert_dir, name="ddp-resumed", processes=2, epochs=30))
    worker = threading.Thread(target=execute_run, args=(run,))
    worker.start()
    deadline = time.time() + 600
    while not any(e["kind"] == "step" and e["step"] >= 20 for e in run.events()):
        assert time.time() < deadline and worker.is_alive(), _failure(run)
        time.sleep(0.5)
    run.request_cancel()
    worker.join(timeout=600)
    assert run.status()["state"] == "cancelled", _failure(run)
    assert run.has_checkpoint() and not Registry().list()
    resume_run(run.id, in_process=True)
    assert run.status()["state"] == "completed", _failure(run)
    assert [r.id for r in Registry().list()] == ["ddp-resumed"]
    steps = [e["step"] for e in run.events() if e["kind"] == "step"]
    # 144 training rows / 16 = 9 steps an epoch x 30; resumed from the checkpoint, not from step 0
    assert steps[-1] == 270 and steps == sorted(steps)


def test_gpus_without_gpus_is_a_clear_failure(toy_csv, tiny_bert_dir):
    run = run_in_process(_spec(toy_csv, tiny_bert_dir, gpus=2))
    assert run.status()["state"] == "failed"
    assert "gpus is 2 but this machine has 0 usable GPU(s)" in run.status()["error"]


def test_uneven_batch_split_is_refused():
    with pytest.raises(SpecError, match=r"batch_size \(32\) must divide evenly over 3 process\(es\)"):
        TrainSpec(train_data="x.csv", processes=3)


def test_ranks_that_disagree_on_stopping_take_the_same_flags(monkeypatch):
    """A cancel seen by one rank at an epoch's end: every rank must then save, stop and evaluate alike,
    or one waits in the evaluation's gather while the other waits in the save barrier (a CI hang)."""
    from types import SimpleNamespace

    import torch.distributed as dist
    from transformers import TrainerControl, TrainerState

    from workbench.training.distributed import STOP_CODES, SyncedWorkbenchCallback

    monkeypatch.setattr(dist, "all_reduce", lambda tensor, op=None: tensor.fill_(STOP_CODES["cancelled"]))
    flags = []
    for saw_cancel in (True, False):  # rank 1 saw the CANCEL file at this step, rank 0 not yet
        callback = SyncedWorkbenchCallback(
            lambda event: None, lambda s=saw_cancel: s, None, fit_schedule=False
        )
        control = TrainerControl(should_evaluate=True)  # the default flow's epoch-end evaluation
        state = TrainerState(global_step=36, max_steps=270, epoch=4.0)
        callback.on_step_end(SimpleNamespace(device="cpu"), state, control)
        flags.append(
            (control.should_save, control.should_training_stop, control.should_evaluate, callback.stop_reason)
        )
    assert flags[0] == flags[1] == (True, True, True, "cancelled")
