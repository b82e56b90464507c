"""Errors a person can act on.

Every message says what is wrong (with the offending value, column or row numbers) and what to do.
The CLI turns a ``WorkbenchError`` into one clear line and exit code 2; the UI shows it with
``st.error``; the Gradio layer raises ``gr.Error`` with the same text.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class for every user-facing error of the workbench."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems else [message]

    @property
    def message(self) -> str:
        return str(self)


class DataError(WorkbenchError):
    """The data file cannot be used as given (all problems are listed in ``problems``)."""


class ModelLoadError(WorkbenchError):
    """A model could not be found, or is refused for safety (pickles, remote code)."""


class SpecError(WorkbenchError):
    """A spec (training, variant, explanation...) holds an impossible or absurd setting."""


class RegistryError(WorkbenchError):
    """A model id is unknown, or the workspace is in a state that prevents the operation."""


class IncompatibleError(WorkbenchError):
    """A registered component (variant, method, explainer) does not apply to this model."""


class RunError(WorkbenchError):
    """A background run failed, was cancelled, or cannot be resumed."""


class RuleError(WorkbenchError):
    """A safety rule file has problems (each with its line number)."""
