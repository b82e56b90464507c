"""Terminal progress: a tqdm bar (on stderr) fed by ``ProgressEvent`` s."""

from __future__ import annotations

import sys
from typing import Any

from workbench.progress import ProgressEvent


class TqdmProgress:
    def __init__(self, description: str, disable: bool = False) -> None:
        self.description = description
        self.disable = disable
        self.bar: Any = None

    def __call__(self, event: ProgressEvent) -> None:
        from tqdm import tqdm

        if event.kind == "log":
            if not self.disable:
                (self.bar.write if self.bar else lambda m: print(m, file=sys.stderr))(event.message)
            return
        if event.total_steps and self.bar is None:
            self.bar = tqdm(
                total=event.total_steps,
                desc=self.description,
                file=sys.stderr,
                disable=self.disable,
                dynamic_ncols=True,
            )
        if self.bar is None:
            return
        if event.kind == "step":
            self.bar.n = event.step
            postfix = {k: f"{v:.4f}" for k, v in event.metrics.items()}
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.refresh()
        elif event.kind == "eval":
            shown = {k: round(v, 4) for k, v in event.metrics.items() if k != "epoch"}
            self.bar.write(f"step {event.step}: validation {shown}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
