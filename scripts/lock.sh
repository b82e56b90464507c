#!/usr/bin/env bash
# Refresh requirements.lock: the exact version and hashes of every package the app, CI and the Space
# install (the project's own dependencies plus the dev and ray extras: CI runs the Ray Serve tests), for
# Linux x86_64 and CPython 3.11.
# Needs uv (pip install uv). By default it keeps every pin already in the lock and only resolves what
# pyproject.toml added or changed; `bash scripts/lock.sh --upgrade` moves everything to the newest
# versions within the ranges. Commit the result so CI judges the new set like any other change.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d /opt/wheels ]; then
  torch_source=(--find-links /opt/wheels)  # this workplace's copy of the CPU wheel
else
  torch_source=(--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
fi
uv pip compile pyproject.toml --extra dev --extra ray --generate-hashes --quiet \
  --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  "${torch_source[@]}" -c scripts/torch-cpu.txt \
  --no-emit-find-links --no-emit-index-url \
  --custom-compile-command "bash scripts/lock.sh" -o requirements.lock "$@"

# The Space installs requirements.txt: the same versions as the lock (without the dev extra), written as
# plain pins, because pip refuses hashed constraints next to the project's own folder (`.`).
uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  "${torch_source[@]}" -c scripts/torch-cpu.txt -c requirements.lock \
  --no-emit-find-links --no-emit-index-url --no-annotate --no-header > requirements.pins
{
  echo "# Hugging Face Spaces installs this file (written by scripts/lock.sh: do not edit by hand). Every"
  echo "# package is pinned at its version in requirements.lock, the set CI tests; torch is the CPU build,"
  echo "# which lives on PyTorch's CPU index (PyPI's Linux wheel bundles CUDA, several GB)."
  echo "--extra-index-url https://download.pytorch.org/whl/cpu"
  cat requirements.pins
  echo "."
} > requirements.txt
rm requirements.pins
