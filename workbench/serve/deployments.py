"""Deployments: a stable name (``support``) pointing at one registry model (the *version*).

Changing where a name points is one atomic file replace, recorded with who, when and from → to, so a
rollback is one command and the history says what served when. A running server re-reads the file
when it changes; a request resolves the version once, at its start, and finishes on it even if the
name is switched meanwhile. Read-modify-write is serialised with an advisory file lock, so two
``workbench deploy`` at once cannot lose one of the changes.
"""

from __future__ import annotations

import contextlib
import getpass
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import RegistryError, SpecError
from workbench.fsutil import atomic_write_json, read_json
from workbench.models.registry import Registry

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_HISTORY = 1000


@dataclass(frozen=True)
class Deployment:
    name: str
    version: str  # registry model id
    updated: float
    by: str


@dataclass(frozen=True)
class Change:
    """One switch of a name: ``from_version`` is None for the first deploy."""

    name: str
    from_version: str | None
    to_version: str | None
    by: str
    at: float
    action: str  # deploy | rollback | remove


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise SpecError(
            f"Deployment name {name!r} is invalid: use up to 64 lower-case letters, digits, `-` or `_` "
            "(it becomes part of the URL /v1/models/NAME/predict)."
        )
    return name


class DeploymentStore:
    """``$WORKBENCH_HOME/serve/deployments.json``: current deployments plus their history."""

    def __init__(self, home: Path | None = None, registry: Registry | None = None) -> None:
        self.home = Path(home) if home else workspace_home()
        self.path = self.home / "serve" / "deployments.json"
        self._registry = registry
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], dict[str, Any]] | None = None

    @property
    def registry(self) -> Registry:
        return self._registry or Registry(self.home)

    def _read(self) -> dict[str, Any]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {"deployments": {}, "history": []}
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cached and self._cached[0] == version:
                return self._cached[1]
        data = read_json(self.path, default=None) or {"deployments": {}, "history": []}
        with self._lock:
            self._cached = (version, data)
        return data

    @contextlib.contextmanager
    def _writing(self) -> Iterator[dict[str, Any]]:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = read_json(self.path, default=None) or {"deployments": {}, "history": []}
            yield data
            data["history"] = data["history"][-MAX_HISTORY:]
            atomic_write_json(self.path, data)

    def list(self) -> list[Deployment]:
        return [Deployment(name=n, **d) for n, d in sorted(self._read()["deployments"].items())]

    def get(self, name: str) -> Deployment:
        data = self._read()["deployments"].get(name)
        if data is None:
            known = ", ".join(d.name for d in self.list()) or "none yet"
            raise RegistryError(
                f"No deployment named {name!r}. Deployments: {known}. "
                f"Create it with `workbench deploy {name} MODEL_ID`."
            )
        return Deployment(name=name, **data)

    def history(self, name: str | None = None) -> list[Change]:
        changes = [Change(**c) for c in self._read()["history"]]
        return [c for c in changes if name is None or c.name == name]

    def versions(self, name: str) -> list[str]:
        """Every version the name has pointed to, oldest first (the ones a client may pin)."""
        seen = [c.to_version for c in self.history(name) if c.to_version]
        return list(dict.fromkeys(seen))

    def deploy(self, name: str, model: str, *, by: str | None = None) -> Change:
        """Point ``name`` at registry model ``model`` (an id or name; stored as the id)."""
        check_name(name)
        version = self.registry.get(model).id  # raises with the known models when unknown
        return self._switch(name, version, by or current_user(), "deploy")

    def rollback(self, name: str, *, by: str | None = None) -> Change:
        """Point ``name`` back at the version it had before its last change."""
        current = self.get(name)
        previous = next(
            (c.from_version for c in reversed(self.history(name)) if c.to_version == current.version),
            None,
        )
        if not previous:
            raise RegistryError(
                f"Deployment {name!r} has no earlier version to roll back to (it serves "
                f"{current.version!r} since its first deploy). Deploy another model instead."
            )
        if not self.registry.exists(previous):
            raise RegistryError(
                f"Cannot roll {name!r} back to {previous!r}: that model is no longer in the workspace."
            )
        return self._switch(name, previous, by or current_user(), "rollback")

    def remove(self, name: str, *, by: str | None = None) -> Change:
        self.get(name)
        with self._writing() as data:
            old = data["deployments"].pop(name, {}).get("version")
            change = Change(name, old, None, by or current_user(), time.time(), "remove")
            data["history"].append(asdict(change))
        return change

    def _switch(self, name: str, version: str, by: str, action: str) -> Change:
        with self._writing() as data:
            old = data["deployments"].get(name, {}).get("version")
            change = Change(name, old, version, by, time.time(), action)
            data["deployments"][name] = {"version": version, "updated": change.at, "by": by}
            data["history"].append(asdict(change))
        return change
