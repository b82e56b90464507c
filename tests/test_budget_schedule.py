"""The time budget re-plans the learning-rate schedule instead of cutting it off at a high rate."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import torch
from transformers import TrainerControl, get_linear_schedule_with_warmup

import workbench.training.callbacks as callbacks
from workbench.training.callbacks import WorkbenchCallback


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _train(
    monkeypatch,
    budget_s: float,
    planned: int,
    pace: Callable[[int], float],
    warmup: int = 10,
    fit: bool = True,
) -> SimpleNamespace:
    """A fake training loop (fake clock, real linear schedule) driving the callback as the Trainer
    does: step, then DefaultFlowCallback's end-of-plan check, then ours. ``pace(step)`` is the
    seconds that step took. Returns what happened."""
    clock = Clock()
    monkeypatch.setattr(callbacks.time, "monotonic", clock)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, num_warmup_steps=warmup, num_training_steps=planned
    )
    events = []
    callback = WorkbenchCallback(events.append, max_seconds=budget_s, fit_schedule=fit)
    state = SimpleNamespace(global_step=0, max_steps=planned, epoch=0.0)
    callback.on_train_begin(None, state, TrainerControl())
    lrs, plans, first_fit = [], [], None
    while True:
        control = TrainerControl()
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        state.global_step += 1
        clock.now += pace(state.global_step)
        if state.global_step >= state.max_steps:  # what DefaultFlowCallback does
            control.should_training_stop = True
        callback.on_step_end(None, state, control, lr_scheduler=scheduler)
        plans.append(state.max_steps)
        first_fit = first_fit or (state.global_step if callback.fitted_steps else None)
        if control.should_training_stop:
            break
    return SimpleNamespace(
        callback=callback,
        steps=state.global_step,
        seconds=clock.now - 1000.0,
        lrs=lrs,
        plans=plans,
        first_fit=first_fit,
        logs=[e.message for e in events if e.kind == "log"],
    )


def test_a_run_that_would_not_fit_is_shortened_and_decays_to_zero(monkeypatch):
    run = _train(monkeypatch, 100.0, planned=1000, pace=lambda step: 1.0)
    # 4 % of the budget stays spare for the last evaluation and save
    assert run.steps == run.callback.fitted_steps == 96 and run.callback.planned_steps == 1000
    assert run.callback.stop_reason is None  # ended by its own (shorter) schedule, not cut off
    assert run.lrs[-1] == pytest.approx(0.0, abs=1e-9)
    assert max(run.lrs) == pytest.approx(1.0) and run.lrs.index(max(run.lrs)) == 9  # warm-up kept
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(run.lrs[9:]))
    assert "the 1,000 planned steps would not fit" in run.logs[0]


def test_without_fitting_the_budget_cuts_the_run_at_a_high_learning_rate(monkeypatch):
    run = _train(monkeypatch, 100.0, planned=1000, pace=lambda step: 1.0, fit=False)
    assert run.callback.stop_reason == "budget" and run.steps == 100
    assert run.lrs[-1] > 0.9  # what fitting avoids


def test_a_run_that_fits_keeps_its_schedule(monkeypatch):
    run = _train(monkeypatch, 100.0, planned=1000, pace=lambda step: 0.05)
    assert run.callback.fitted_steps is None and run.steps == 1000 and run.logs == []
    assert run.lrs[-1] == pytest.approx(0.0, abs=1e-9)


def test_a_slower_pace_later_shortens_the_run_and_the_budget_still_holds(monkeypatch):
    run = _train(monkeypatch, 100.0, planned=200, pace=lambda step: 0.4 if step <= 100 else 2.0, warmup=0)
    assert run.first_fit == 125  # the first re-plan after the slow-down (every 25 steps)
    assert run.callback.fitted_steps < 200 and run.steps <= run.callback.fitted_steps
    assert run.seconds <= 100.0 + 1e-6  # the hard stop stays as the backstop


def test_a_slow_start_does_not_shorten_the_run_for_good(monkeypatch):
    """The first steps are slow (warm-up, the longest batch first); once the pace settles the whole
    plan fits again and the run trains every planned step."""
    run = _train(monkeypatch, 400.0, planned=300, pace=lambda step: 3.0 if step <= 60 else 0.5, warmup=0)
    assert min(run.plans) < 300  # it did re-plan while the pace looked slow
    assert run.steps == 300 and run.callback.fitted_steps is None and run.callback.stop_reason is None
    assert run.lrs[-1] == pytest.approx(0.0, abs=1e-9)
    assert "would not fit" in run.logs[0] and "all 300 planned steps fit again" in run.logs[-1]


def test_a_jittery_pace_re_plans_rarely_and_says_so_once(monkeypatch):
    """Length-grouped batches make the pace wobble from one stretch of steps to the next: the plan
    follows real changes only, and the log does not repeat itself."""
    run = _train(
        monkeypatch, 1700.0, planned=6000, pace=lambda step: 0.26 if (step // 25) % 2 else 0.32, warmup=0
    )
    assert len(run.logs) <= 2 and "would not fit" in run.logs[0]
    assert len(set(run.plans)) <= 20  # not a new schedule every 25 steps
    assert run.callback.stop_reason is None and run.seconds <= 1700.0


def test_the_step_that_ends_the_fitted_run_does_not_re_plan_it(monkeypatch):
    """The fitted plan ends on a re-plan step (every 25) just as the pace picks up: the run stops there
    (the Trainer's own end-of-plan check runs first), so a new plan must not be written over the old one,
    or the run reads as 'completed' instead of 'budget' (seen once in CI, about one fitted run in 25)."""
    from workbench.training.trainer import _stop_reason

    run = _train(monkeypatch, 104.6875, planned=1000, pace=lambda step: 1.0 if step <= 75 else 0.1, warmup=0)
    assert run.steps == 100 and run.callback.fitted_steps == 100 and run.plans[-1] == 100
    state = SimpleNamespace(global_step=run.steps, max_steps=run.plans[-1])
    assert _stop_reason(run.callback, None, state) == "budget"
