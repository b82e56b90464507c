"""The training worker process: ``python -m workbench.training.worker RUN_DIR [--resume]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.training.runs import RunDir, execute_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one workbench training job from its run folder.")
    parser.add_argument("run_dir")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    from workbench.models.loading import quiet_transformers

    quiet_transformers()
    execute_run(RunDir(Path(args.run_dir)), resume=args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
