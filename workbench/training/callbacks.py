"""A Trainer callback that turns HF Trainer events into ``ProgressEvent`` s, honours a cancel flag and a
time budget. Stop requests save a checkpoint first, so nothing already trained is lost."""

from __future__ import annotations

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
    ) -> None:
        self.progress = progress
        self.cancel = cancel or (lambda: False)
        self.max_seconds = max_seconds
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

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
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
