"""The data layer and the trainer ask the task entry for a capability, never for its name: a task
registered here (not built in, named nothing the data layer knows) gets the behaviour it declares."""

from __future__ import annotations

from workbench.tasks import TASKS


def capable(flag: str) -> list[str]:
    return sorted(name for name, task in TASKS.items() if getattr(task, flag))


def test_only_single_label_classification_supports_label_smoothing():
    assert capable("supports_label_smoothing") == ["classification"]
