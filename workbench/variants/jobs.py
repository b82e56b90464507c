"""Variant builds as queued jobs: the same run folders, worker process and one-job-at-a-time queue as
training (``workbench.training.runs``), so a distillation that takes minutes never runs inside a page's
request and leaving the page loses nothing.

A build job's ``spec.json`` is a ``BuildJobSpec`` (the model, its recipes, the options and the data of
steps that train); ``status.json`` says which recipe is being built and, when done, the ids built.
Cancel is the run's ``CANCEL`` file: checked between recipes and at every training step of a
distillation (a cancelled step leaves nothing behind; variants finished before it are kept).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.errors import RunError, SpecError, WorkbenchError
from workbench.progress import Cancelled, ProgressEvent
from workbench.training import runs

KIND = "variant"


@dataclass(frozen=True)
class BuildJobSpec:
    """What to build: ``recipes`` of ``model_id`` in order, with ``VariantSpec`` options and, for steps
    that train, the labelled file ``data`` read with ``columns`` (a ``ColumnMap`` as a dict)."""

    model_id: str
    recipes: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    data: str | None = None
    columns: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipes", tuple(self.recipes))
        if not self.recipes:
            raise SpecError("No variant given: name one, e.g. int8, drop-layers:3 or distill:3+int8.")
        problems = []
        for recipe in self.recipes:
            try:
                self.variant_spec(recipe)
            except SpecError as exc:
                problems += (
                    [f"{recipe}: {p}" for p in exc.problems] if len(self.recipes) > 1 else exc.problems
                )
        if problems:
            raise SpecError("Invalid variant: " + "; ".join(problems), problems)

    def variant_spec(self, recipe: str) -> Any:
        from workbench.variants.spec import parse_variant_spec

        return parse_variant_spec(recipe, **self.options)

    def column_map(self) -> Any:
        from workbench.data import ColumnMap

        return ColumnMap(**self.columns) if self.columns else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recipes"] = list(self.recipes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildJobSpec:
        return cls(**data)


def job_spec(run: runs.RunDir) -> BuildJobSpec:
    from workbench.fsutil import read_json

    return BuildJobSpec.from_dict(read_json(run.spec_file))


def build_jobs(model_id: str | None = None, owner: str | None = None) -> list[runs.RunDir]:
    """Variant build jobs, newest first; of ``model_id``'s builds and ``owner``'s jobs when given."""
    jobs = runs.list_runs(owner=owner, kind=KIND)
    if model_id is not None:
        jobs = [j for j in jobs if j.status().get("parent") == model_id]
    return jobs


def active_build(model_id: str) -> runs.RunDir | None:
    """The queued or running build of ``model_id`` (by anyone), if there is one."""
    for job in build_jobs(model_id):
        if job.status().get("state") in runs.ACTIVE_STATES:
            return job
    return None


def start_build(spec: BuildJobSpec, owner: str = "", *, launch: bool = True) -> runs.RunDir:
    """Queue a build of ``spec`` and hand it to a worker process; returns at once. Refused while
    another build of the same model is queued or running (a second click must not start a second)."""
    from workbench.models.registry import Registry

    Registry().get(spec.model_id)  # an unknown model fails here, not in the worker
    running = active_build(spec.model_id)
    if running is not None:
        raise RunError(
            f"Variants of {spec.model_id} are already being built (job {running.id}); wait for it to "
            "finish or cancel it, then build again."
        )
    run = runs.create_run(spec, owner, kind=KIND)
    run.set_status(parent=spec.model_id, recipes=list(spec.recipes), built=[], message="queued")
    if launch:
        runs.launch_worker(run)
    return run


def run_build_job(run: runs.RunDir, resume: bool = False, extra_progress: Any = None) -> None:
    """The worker's part (``runs.JOB_KINDS``): build each recipe in turn and record the outcome in
    ``status.json``. Never raises for a user mistake: the message goes to the status."""
    import traceback

    from workbench.variants.build import build_variant

    spec, built = job_spec(run), []
    record = runs.progress_writer(run)

    def progress(event: ProgressEvent) -> None:
        if event.kind == "step" and run.cancel_requested():
            raise Cancelled("cancel requested")
        record(event)
        if extra_progress is not None:
            extra_progress(event)

    run.set_status(state="running", started=time.time(), fraction=0.0)
    try:
        for i, recipe in enumerate(spec.recipes):
            if run.cancel_requested():
                raise Cancelled("cancel requested")
            run.set_status(current=recipe, index=i, step=0, total_steps=0, message=f"building {recipe}")
            data = {"data": spec.data, "columns": spec.column_map()} if spec.data else {}
            variant = build_variant(spec.model_id, spec.variant_spec(recipe), progress=progress, **data)
            built.append(variant.id)
            run.set_status(built=built, fraction=(i + 1) / len(spec.recipes))
    except Cancelled:
        kept = f"; kept {', '.join(built)}" if built else ""
        run.set_status(state="cancelled", finished=time.time(), built=built, message=f"cancelled{kept}")
        return
    except WorkbenchError as exc:
        error = f"Building {spec.recipes[len(built)]} failed: {exc}"
        run.set_status(state="failed", finished=time.time(), built=built, error=error, problems=exc.problems)
        return
    except Exception as exc:
        with open(run.log_file, "a", encoding="utf-8") as log:
            log.write(traceback.format_exc())
        error = f"unexpected failure building {spec.recipes[len(built)]}: {type(exc).__name__}: {exc}"
        run.set_status(state="failed", finished=time.time(), built=built, error=error)
        return
    run.set_status(state="completed", finished=time.time(), built=built, fraction=1.0, message="done")


def build_progress_text(status: dict[str, Any]) -> str:
    """One line for a build in progress: which recipe of how many, and its step count if it trains."""
    recipes = status.get("recipes") or []
    if status.get("state") == "queued" or not status.get("current"):
        return status.get("message") or "waiting for the CPU…"
    text = f"Building {status['current']} ({int(status.get('index') or 0) + 1} of {len(recipes)})"
    step, total = status.get("step") or 0, status.get("total_steps") or 0
    return text + (f" · step {step} of {total}" if total else "")


def build_fraction(status: dict[str, Any]) -> float:
    """Overall progress: finished recipes plus the current one's share of its training steps."""
    recipes = len(status.get("recipes") or []) or 1
    if status.get("state") == "completed":
        return 1.0
    current = (status.get("step") or 0) / status["total_steps"] if status.get("total_steps") else 0.0
    return min(1.0, (len(status.get("built") or []) + min(1.0, current)) / recipes)
