"""Hyper-parameter search with Optuna around the workbench's own runs.

Optuna drives the search directly (rather than ``Trainer.hyperparameter_search``) so each trial is a
normal run folder — queue, log, TensorBoard curves, cancel — and its model goes through the same
save-and-evaluate path as any training. Trials search the learning rate (log scale around the method's
default), the epochs, the batch size and the method's main setting; every trial's model but the best
is removed from the registry; the best keeps its trial name (``NAME-trialK``). ``max_minutes`` is
checked between trials (a trial that has started finishes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import SpecError
from workbench.fsutil import atomic_write_json, read_json
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.training.methods import get_method
from workbench.training.spec import TrainSpec

BATCH_SIZES = (16, 32)
EPOCHS = (1.0, 2.0, 3.0)


@dataclass
class Trial:
    number: int
    run_id: str
    state: str
    params: dict[str, Any]
    value: float | None
    model_id: str | None


@dataclass
class TuneResult:
    metric: str
    trials: list[Trial] = field(default_factory=list)
    best_model_id: str | None = None

    def table(self) -> list[dict[str, Any]]:
        """One row per trial: number, run, state, the parameters tried and the metric."""
        return [
            {"trial": t.number, "run": t.run_id, "state": t.state, **t.params, self.metric: t.value}
            for t in self.trials
        ]


def suggest(trial: Any, base: TrainSpec) -> dict[str, Any]:
    """The settings of one trial: learning rate 1/5-5x the method's default, epochs, batch size and,
    for adapters, the rank."""
    default_lr = base.learning_rate or get_method(base.method).default_learning_rate
    params: dict[str, Any] = {
        "learning_rate": trial.suggest_float("learning_rate", default_lr / 5, default_lr * 5, log=True),
        "epochs": trial.suggest_categorical("epochs", EPOCHS),
        "batch_size": trial.suggest_categorical(
            "batch_size", [b for b in BATCH_SIZES if b % base.world_size == 0] or [base.batch_size]
        ),
    }
    if base.method == "lora":
        params["lora_r"] = trial.suggest_categorical("lora_r", (4, 8, 16))
    elif base.method == "adalora":
        params["adalora_target_r"] = trial.suggest_categorical("adalora_target_r", (4, 8))
    return params


def tune(
    base: TrainSpec,
    trials: int,
    max_minutes: float | None = None,
    progress: ProgressCallback = no_progress,
    owner: str = "tune",
) -> TuneResult:
    """Run up to ``trials`` trainings (fewer when ``max_minutes`` runs out), keep the best model."""
    import optuna

    from workbench.models.registry import Registry
    from workbench.tasks import get_task
    from workbench.training.runs import run_in_process

    if trials < 1:
        raise SpecError(f"trials must be at least 1, got {trials}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    registry = Registry()
    name = base.name or f"{base.train_data.rsplit('/', 1)[-1].rsplit('.', 1)[0]}-tuned"
    result = TuneResult(metric="")
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=base.seed))
    deadline = time.monotonic() + max_minutes * 60 if max_minutes else None

    def objective(trial: Any) -> float:
        params = suggest(trial, base)
        spec = replace(base, name=f"{name}-trial{trial.number}", **params)
        progress(ProgressEvent(kind="log", message=f"trial {trial.number}: {params}"))
        run = run_in_process(spec, owner=owner)
        status = run.status()
        entry = Trial(trial.number, run.id, status.get("state", "?"), params, None, status.get("model_id"))
        result.trials.append(entry)
        if status.get("state") != "completed":
            raise optuna.TrialPruned(status.get("error") or status.get("state"))
        task = get_task(registry.get(entry.model_id).task)
        result.metric = task.primary_metric
        entry.value = float(status["metrics"][task.primary_metric])
        return entry.value if task.greater_is_better else -entry.value

    def out_of_time(study: Any, trial: Any) -> None:
        if deadline is not None and time.monotonic() >= deadline:
            study.stop()

    study.optimize(objective, n_trials=trials, callbacks=[out_of_time])
    completed = [t for t in result.trials if t.value is not None]
    if not completed:
        raise SpecError("No trial completed; see the runs' errors with `workbench runs`.")
    best = result.trials[study.best_trial.number]
    for t in completed:
        if t is not best:
            registry.remove(t.model_id)
    result.best_model_id = best.model_id
    save_search(name, result)
    progress(ProgressEvent(kind="log", message=f"best: trial {best.number} {best.params} -> {best.model_id}"))
    return result


def searches_root() -> Path:
    return workspace_home() / "searches"


def save_search(name: str, result: TuneResult) -> None:
    """The trials as a table in the workspace, for the Train page's search section."""
    data = {"name": name, "metric": result.metric, "best_model_id": result.best_model_id}
    atomic_write_json(
        searches_root() / f"{name}.json", {**data, "trials": result.table(), "time": time.time()}
    )


def list_searches() -> list[dict[str, Any]]:
    """Saved searches, newest first."""
    root = searches_root()
    found = [read_json(p) for p in root.glob("*.json")] if root.is_dir() else []
    return sorted((s for s in found if s), key=lambda s: s.get("time", 0), reverse=True)
