"""Task types by name. Importing this package registers the built-in tasks."""

from workbench.tasks import (  # noqa: F401  (registration)
    classification,
    multilabel,
    regression,
    seq2seq,
    token_classification,
)
from workbench.tasks.base import TASKS, Prediction, Task, get_task, register_task

__all__ = ["TASKS", "Prediction", "Task", "get_task", "register_task"]
