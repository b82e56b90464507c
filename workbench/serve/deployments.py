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
import hashlib
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


ROLLOUTS = ("canary", "shadow")


@dataclass(frozen=True)
class Deployment:
    """``candidate`` is a second version on trial: ``canary`` answers ``share`` % of the traffic
    (sticky per API key or request id), ``shadow`` sees every request but never answers."""

    name: str
    version: str  # registry model id
    updated: float
    by: str
    candidate: str | None = None
    rollout: str | None = None  # canary | shadow
    share: float = 0.0  # percent of the traffic the canary answers
    trial_started: float = 0.0

    def routed_version(self, routing_key: str) -> str:
        """The version that answers a request with this routing key (the API key's name, else the
        request id): a hash puts each key in [0, 100), and keys under ``share`` go to the canary."""
        if (
            self.rollout == "canary"
            and self.candidate
            and routing_bucket(self.name, routing_key) < self.share
        ):
            return self.candidate
        return self.version

    def mirror_version(self, answered_by: str) -> str | None:
        """The version that sees the request in the background: the shadow, or for a canary request
        the current version (so both answers of the same text can be compared)."""
        if self.rollout == "shadow":
            return self.candidate
        if self.rollout == "canary" and answered_by == self.candidate:
            return self.version
        return None


def routing_bucket(name: str, routing_key: str) -> float:
    """A stable number in [0, 100) per (deployment, key): the same caller always lands the same way."""
    digest = hashlib.sha256(f"{name}\x1f{routing_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


@dataclass(frozen=True)
class Change:
    """One switch of a name: ``from_version`` is None for the first deploy."""

    name: str
    from_version: str | None
    to_version: str | None
    by: str
    at: float
    action: str  # deploy | rollback | remove | canary | shadow | promote | drop


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

    def start_rollout(
        self,
        name: str,
        model: str,
        *,
        canary: float | None = None,
        shadow: bool = False,
        by: str | None = None,
    ) -> Change:
        """Put ``model`` on trial beside the current version: a canary answering ``canary`` % of the
        traffic, or a shadow that sees every request and never answers."""
        if (canary is None) == (not shadow):
            raise SpecError("Choose one rollout: --canary PERCENT or --shadow MODEL.")
        if canary is not None and not 0 < canary < 100:
            raise SpecError(
                f"Canary share must be between 0 and 100 percent (exclusive), got {canary:g}; "
                "use promote to send all traffic to the candidate."
            )
        current = self.get(name)
        candidate = self.registry.get(model).id
        if candidate == current.version:
            raise SpecError(
                f"{candidate!r} already serves {name!r}: a canary or shadow must be another version."
            )
        rollout = "canary" if canary is not None else "shadow"
        with self._writing() as data:
            change = Change(name, current.version, candidate, by or current_user(), time.time(), rollout)
            data["deployments"][name].update(
                candidate=candidate, rollout=rollout, share=float(canary or 0), trial_started=change.at
            )
            data["history"].append(asdict(change))
        return change

    def promote(self, name: str, *, by: str | None = None) -> Change:
        """The candidate becomes the version that answers every request (rollback undoes it)."""
        candidate = self._candidate(name, "promote")
        return self._switch(name, candidate, by or current_user(), "promote")

    def drop(self, name: str, *, by: str | None = None) -> Change:
        """End the trial: the current version keeps answering every request."""
        candidate = self._candidate(name, "drop")
        with self._writing() as data:
            for key in ("candidate", "rollout", "share", "trial_started"):
                data["deployments"][name].pop(key, None)
            change = Change(name, candidate, None, by or current_user(), time.time(), "drop")
            data["history"].append(asdict(change))
        return change

    def _candidate(self, name: str, action: str) -> str:
        deployment = self.get(name)
        if not deployment.candidate:
            raise SpecError(
                f"Deployment {name!r} has no canary or shadow version to {action}; start one with "
                f"`workbench deploy {name} MODEL --canary 10` or `workbench deploy {name} --shadow MODEL`."
            )
        return deployment.candidate

    def _switch(self, name: str, version: str, by: str, action: str) -> Change:
        with self._writing() as data:
            old = data["deployments"].get(name, {}).get("version")
            change = Change(name, old, version, by, time.time(), action)
            data["deployments"][name] = {"version": version, "updated": change.at, "by": by}  # ends a trial
            data["history"].append(asdict(change))
        return change
