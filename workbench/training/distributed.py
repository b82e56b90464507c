"""Training past one process: the same ``train`` under ``torchrun``, data-parallel (DDP) through the HF
``Trainer`` — gloo on CPUs, nccl on GPUs — with no training loop of our own.

The run's worker (which holds the machine's training slot and the heartbeat) launches
``torchrun --standalone --nproc_per_node N -m workbench.training.worker RUN_DIR --rank-worker``. Every
rank trains; only rank 0 writes progress events, the run's status, the registry entry and the model.
Checkpoints go to the run folder as before (the Trainer writes them from rank 0), so cancel and resume
work unchanged. A stop (cancel, time budget) is agreed by all ranks at the same step, or the others
would wait forever in the next gradient exchange.

Multi-node (not testable on one machine): run ``accelerate launch --config_file cfg.yaml -m
workbench.training.worker RUN_DIR --rank-worker`` on every node, the config naming ``num_machines``,
``machine_rank``, ``main_process_ip`` and ``main_process_port`` (see the README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from workbench.errors import SpecError
from workbench.progress import ProgressCallback, ProgressEvent
from workbench.training.callbacks import WorkbenchCallback

FORWARD_EVERY_SECONDS = 0.5
STOP_CODES = {None: 0, "budget": 1, "cancelled": 2}  # the highest wins when ranks disagree


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_distributed() -> bool:
    return world_size() > 1


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


@dataclass(frozen=True)
class Placement:
    """Where and how a run trains; saved with the model (``extra.train.placement``)."""

    processes: int
    device: str  # cpu | cuda
    backend: str  # gloo | nccl
    precision: str  # fp32 | bf16 | fp16
    per_device_batch: int
    grad_accumulation: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gpu_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def placement(spec: Any) -> Placement:
    """The machine's answer to the spec: precision ``auto`` becomes bf16/fp16 on GPUs that support it
    and fp32 on a CPU; the batch size stays the effective batch across processes and accumulation."""
    # under a multi-node launcher the world is all nodes' processes; this node needs its own share
    processes = world_size() if is_distributed() else spec.world_size
    local = int(os.environ.get("LOCAL_WORLD_SIZE", spec.gpus)) if is_distributed() else spec.gpus
    if spec.gpus:
        found = _gpu_count()
        if found < local:
            raise SpecError(
                f"gpus is {local} but this machine has {found} usable GPU(s). Set gpus to {found}"
                " or less (0 trains on the CPU; --processes N runs N CPU processes)."
            )
    precision = spec.precision
    if precision == "auto":
        precision = "fp32"
        if spec.gpus:
            import torch

            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return Placement(
        processes=processes,
        device="cuda" if spec.gpus else "cpu",
        backend="nccl" if spec.gpus else "gloo",
        precision=precision,
        per_device_batch=spec.batch_size // (processes * spec.grad_accumulation),
        grad_accumulation=spec.grad_accumulation,
    )


def placement_arguments(where: Placement) -> dict[str, Any]:
    """The ``TrainingArguments`` that carry a placement."""
    args: dict[str, Any] = {
        "per_device_train_batch_size": where.per_device_batch,
        "gradient_accumulation_steps": where.grad_accumulation,
        "use_cpu": where.device == "cpu",
        "bf16": where.precision == "bf16",
        "fp16": where.precision == "fp16",
    }
    if is_distributed():
        args["ddp_backend"] = where.backend
        # mean pooling leaves e.g. BERT's pooler out of the loss; DDP must then look for unused weights
        args["ddp_find_unused_parameters"] = True
    return args


class SyncedWorkbenchCallback(WorkbenchCallback):
    """``WorkbenchCallback`` whose stop decision (cancel, time budget) is the same on every rank: each
    rank decides, then all take the strongest decision (cancel over budget over none)."""

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        import torch
        import torch.distributed as dist

        # the schedule's own evaluate flag (set by the default flow, the same on every rank); a rank
        # that stops by itself changes it, so it is kept to give every rank the same control below
        flow_evaluate = bool(control.should_evaluate)
        super().on_step_end(args, state, control, **kwargs)
        mine = STOP_CODES[self.stop_reason]
        agreed = torch.tensor([mine], device=args.device)
        dist.all_reduce(agreed, op=dist.ReduceOp.MAX)
        code = int(agreed.item())
        if code == STOP_CODES[None]:
            return
        # every rank sets the same flags, also the rank whose own decision won: ranks that disagree on
        # evaluating wait for each other forever (one in the evaluation's gather, one in the save barrier)
        self.stop_reason = next(reason for reason, value in STOP_CODES.items() if value == code)
        control.should_save = True
        control.should_training_stop = True
        control.should_evaluate = flow_evaluate or self.stop_reason == "budget"


def progress_callback(
    progress: ProgressCallback, cancel: Any, max_seconds: float | None
) -> WorkbenchCallback:
    """The run's progress/cancel/budget callback. Across processes the schedule is not re-fitted to a
    time budget (each rank would time its own pace and plan a different last step); the budget still
    stops the run, at the same step on every rank."""
    if is_distributed():
        return SyncedWorkbenchCallback(progress, cancel, max_seconds, fit_schedule=False)
    return WorkbenchCallback(progress, cancel, max_seconds, fit_schedule=True)


def torchrun_command(run_path: str, processes: int, resume: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",  # a free rendezvous port on this machine: runs never collide
        f"--nproc_per_node={processes}",
        "-m",
        "workbench.training.worker",
        run_path,
        "--rank-worker",
        *(["--resume"] if resume else []),
    ]


def launch_ranks(run: Any, resume: bool, extra_progress: ProgressCallback | None = None) -> None:
    """Train ``run`` in ``spec.world_size`` processes and wait for them, forwarding rank 0's progress
    events to ``extra_progress`` (the CLI's bar). A launch that dies without recording an outcome is
    recorded ``failed`` with its exit code."""
    spec = run.spec()
    placement(spec)  # a missing GPU is reported before anything starts
    run.set_status(state="running", started=time.time(), message=f"starting {spec.world_size} processes")
    with open(run.log_file, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            torchrun_command(str(run.path), spec.world_size, resume),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal cancels through the run, not by killing ranks
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    seen = len(run.events())
    while process.poll() is None:
        time.sleep(FORWARD_EVERY_SECONDS)
        seen = _forward_events(run, seen, extra_progress)
    _forward_events(run, seen, extra_progress)
    status = run._read_status()
    if status.get("state") in ("queued", "running"):
        run.set_status(
            state="failed",
            finished=time.time(),
            error=f"the training processes exited with code {process.returncode}; see {run.log_file}",
        )


def _forward_events(run: Any, seen: int, extra_progress: ProgressCallback | None) -> int:
    events = run.events()
    if extra_progress is not None:
        known = set(ProgressEvent.__dataclass_fields__)
        for raw in events[seen:]:
            extra_progress(ProgressEvent(**{k: v for k, v in raw.items() if k in known}))
    return len(events)


def run_rank(run: Any, resume: bool) -> int:
    """One rank's share of the run (``worker --rank-worker``, under torchrun)."""
    from workbench.training.runs import _train_and_record
    from workbench.training.trainer import train

    if is_main_process():
        _train_and_record(run, resume, None)
        # a failure recorded by rank 0 must end the other ranks too (torchrun stops them on exit 1)
        return 1 if run._read_status().get("state") == "failed" else 0
    train(run.spec(), cancel=run.cancel_requested, output_dir=str(run.checkpoints), resume=resume)
    return 0
