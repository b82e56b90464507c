"""Task types by name. Importing this package registers the built-in tasks."""

from workbench.tasks import classification, multilabel, regression  # noqa: F401  (registration)
from workbench.tasks.base import TASKS, Prediction, Task, get_task, register_task

__all__ = ["TASKS", "Prediction", "Task", "get_task", "register_task"]
