"""A Trainer callback that turns HF Trainer events into ``ProgressEvent`` s, honours a cancel flag and a
time budget. Stop requests save a checkpoint first, so nothing already trained is lost.

With ``fit_schedule`` the budget also shapes the learning-rate schedule: when the measured pace says the
planned steps will not fit, the run is shortened and the linear decay re-planned to reach zero at the new
last step, instead of being cut off at a high learning rate."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from transformers import TrainerCallback

from workbench.progress import ProgressCallback, ProgressEvent


class WorkbenchCallback(TrainerCallback):
    def __init__(
        self,
        progress: ProgressCallback,
        cancel: Callable[[], bool] | None = None,
        max_seconds: float | None = None,
        fit_schedule: bool = False,
    ) -> None:
        self.progress = progress
        self.cancel = cancel or (lambda: False)
        self.max_seconds = max_seconds
        self.fit_schedule = fit_schedule and max_seconds is not None
        self.fitted_steps: int | None = None
        self.planned_steps: int | None = None
        self._pace_from: tuple[float, int] | None = None
        self._logged_steps: int | None = None
        self.started = time.monotonic()
        self.start_step = 0
        self.last_loss: float | None = None
        self.stop_reason: str | None = None

    def _elapsed(self) -> float:
        return time.monotonic() - self.started

    def _eta(self, state: Any) -> float | None:
        done = state.global_step - self.start_step
        if done <= 0 or not state.max_steps:
            return None
        return self._elapsed() / done * (state.max_steps - state.global_step)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.monotonic()
        self.start_step = state.global_step

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if logs and "loss" in logs:
            self.last_loss = float(logs["loss"])

    # Re-plan every this many steps; the pace is timed from the FIT_AFTER-th step on (the first steps
    # carry warm-up, and length-grouped sampling puts the longest batch first) over at least FIT_MIN
    # steps; this share of the budget stays spare for the last evaluation and save.
    FIT_EVERY, FIT_AFTER, FIT_MIN, FIT_MARGIN = 25, 10, 40, 0.04

    def _fit_schedule(self, state: Any, scheduler: Any) -> None:
        if state.global_step >= state.max_steps:
            return  # the run ends at this step (the Trainer's own check ran first): its plan stands
        done = state.global_step - self.start_step
        if done == self.FIT_AFTER:
            self._pace_from = (time.monotonic(), state.global_step)
        if self._pace_from is None or state.global_step % self.FIT_EVERY:
            return
        timed_since, timed_step = self._pace_from
        if state.global_step - timed_step < self.FIT_MIN:
            return
        lambdas = getattr(scheduler, "lr_lambdas", None)
        if not lambdas or not all(
            isinstance(f, functools.partial) and "num_warmup_steps" in f.keywords for f in lambdas
        ):
            return  # not the linear warm-up/decay schedule we know how to re-plan
        per_step = (time.monotonic() - timed_since) / (state.global_step - timed_step)
        usable = self.max_seconds * (1 - self.FIT_MARGIN) - self._elapsed()
        planned = self.planned_steps or state.max_steps
        steps = min(planned, state.global_step + int(usable / per_step))
        # re-plan only for a change beyond the pace's own jitter (~3 % of the steps left)
        tolerance = max(1, (state.max_steps - state.global_step) // 33)
        if steps <= state.global_step or abs(steps - state.max_steps) <= tolerance:
            return  # the budget check stops the run here anyway, or the plan still holds
        self.planned_steps = planned
        state.max_steps = steps  # DefaultFlowCallback ends the run (evaluate + save) at this step
        self.fitted_steps = steps if steps < planned else None
        scheduler.lr_lambdas = [
            functools.partial(f.func, **{**f.keywords, "num_training_steps": steps}) for f in lambdas
        ]
        said = self._logged_steps
        if (
            said is not None
            and abs(steps - said) < max(1, planned // 20)
            and (steps < planned or said == planned)
        ):
            return  # a small correction to what was said already
        self._logged_steps = steps
        if self.fitted_steps:
            message = (
                f"time budget: the {planned:,} planned steps would not fit at {per_step:.2f} s/step; "
                f"training {steps:,} steps, the learning rate decaying to zero at the last one"
            )
        else:
            message = f"time budget: at {per_step:.2f} s/step all {planned:,} planned steps fit again"
        self.progress(ProgressEvent(kind="log", message=message))

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.fit_schedule and kwargs.get("lr_scheduler") is not None:
            self._fit_schedule(state, kwargs["lr_scheduler"])
        metrics = {"loss": self.last_loss} if self.last_loss is not None else {}
        self.progress(
            ProgressEvent(
                kind="step",
                step=state.global_step,
                total_steps=state.max_steps,
                epoch=float(state.epoch or 0),
                metrics=metrics,
                eta_seconds=self._eta(state),
                elapsed_seconds=self._elapsed(),
            )
        )
        if self.cancel():
            self.stop_reason = "cancelled"
            control.should_save = True
            control.should_training_stop = True
        elif self.max_seconds is not None and self._elapsed() >= self.max_seconds:
            self.stop_reason = "budget"
            control.should_evaluate = True
            control.should_save = True
            control.should_training_stop = True

    def on_evaluate(
        self, args: Any, state: Any, control: Any, metrics: dict | None = None, **kwargs: Any
    ) -> None:
        clean = {
            k.removeprefix("eval_"): float(v)
            for k, v in (metrics or {}).items()
            if isinstance(v, int | float) and not k.endswith(("_runtime", "_per_second"))
        }
        self.progress(
            ProgressEvent(
                kind="eval",
                step=state.global_step,
                total_steps=state.max_steps,
                epoch=float(state.epoch or 0),
                metrics=clean,
                elapsed_seconds=self._elapsed(),
            )
        )


class AdaLoraBudgetCallback(TrainerCallback):
    """AdaLoRA's rank re-allocation, which the Trainer does not call by itself: after each optimiser
    step (gradients still present, as peft requires) ``update_and_allocate``; the schedule's length
    is the Trainer's planned steps, known only when training begins."""

    def __init__(self, warmup_share: float, final_share: float) -> None:
        self.warmup_share = warmup_share
        self.final_share = final_share

    def _adalora(self, model: Any) -> Any:
        model = getattr(model, "module", model)  # DDP wraps the PeftModel
        return model.base_model

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        adalora = self._adalora(model)
        config = adalora.peft_config[adalora.trainable_adapter_name]
        total = max(3, int(state.max_steps))
        config.total_step = total
        config.tinit = int(total * self.warmup_share)
        config.tfinal = min(total - config.tinit - 1, int(total * self.final_share))
        adalora.rankallocator.set_total_step(total)

    def on_optimizer_step(
        self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
    ) -> None:
        self._adalora(model).update_and_allocate(state.global_step)
