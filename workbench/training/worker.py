"""The training worker process: ``python -m workbench.training.worker RUN_DIR [--resume]``.

Also who a worker is and whether it still lives. A worker that crashes, is killed, or dies with its
Space never writes its final state, so readers decide from the outside: on the same machine by the
process itself (pid *and* its start time, as pids are reused, and a zombie counts as ended); from
another machine sharing the workspace by a heartbeat (the worker touches ``worker.json`` every few
seconds from a thread, so long evaluations or data loading between progress events do not look dead).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.fsutil import atomic_write_json, read_json

WORKER_FILE = "worker.json"
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_STALE_SECONDS = 60.0
PROC = Path("/proc")


def _boot_id() -> str:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_start_token(pid: int) -> str | None:
    """An id of the live process ``pid`` that a later process given the same pid will not share
    (boot id + start time); None when no such process runs (a zombie counts as ended) or when this
    system cannot tell (then only the heartbeat decides)."""
    if PROC.is_dir():
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2 :].split()  # the name in (...) may hold spaces
        if fields[0] in ("Z", "X"):
            return None
        return f"{_boot_id()}:{fields[19]}"  # field 22 of stat: start time in clock ticks since boot
    try:
        import psutil
    except ImportError:
        return None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return f"psutil:{process.create_time()}"
    except psutil.Error:
        return None


def can_check_processes() -> bool:
    if PROC.is_dir():
        return True
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


def identity(pid: int | None = None) -> dict[str, Any]:
    """Who the worker with ``pid`` (default: this process) is, as written to ``worker.json``."""
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "start": process_start_token(pid), "host": socket.gethostname()}


def record_worker(run_dir: Path, pid: int | None = None) -> None:
    atomic_write_json(run_dir / WORKER_FILE, identity(pid))


def worker_alive(run_dir: Path) -> bool | None:
    """True while the run's worker lives, False once it has ended, None when no worker was recorded."""
    path = run_dir / WORKER_FILE
    info = read_json(path)
    if not info:
        return None
    if info.get("host") == socket.gethostname() and can_check_processes():
        # no start token: the process had already ended when it was recorded
        return info.get("start") is not None and process_start_token(int(info["pid"])) == info["start"]
    try:
        return time.time() - path.stat().st_mtime < HEARTBEAT_STALE_SECONDS
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def heartbeat(run_dir: Path, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Record this process as the run's worker and keep ``worker.json`` fresh while the block runs."""
    record_worker(run_dir)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            with contextlib.suppress(FileNotFoundError):  # the run folder was deleted under us
                os.utime(run_dir / WORKER_FILE)

    thread = threading.Thread(target=beat, name="workbench-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one workbench training job from its run folder.")
    parser.add_argument("run_dir")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--rank-worker", action="store_true", help="one rank of a multi-process run (started by torchrun)"
    )
    args = parser.parse_args(argv)
    from workbench.models.loading import quiet_transformers
    from workbench.training.runs import RunDir, execute_run

    quiet_transformers()
    if args.rank_worker:
        from workbench.training.distributed import run_rank

        return run_rank(RunDir(Path(args.run_dir)), resume=args.resume)
    execute_run(RunDir(Path(args.run_dir)), resume=args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
