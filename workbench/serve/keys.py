"""API keys: created once (the secret is shown to the user a single time), stored hashed, revocable.

Why a plain SHA-256 and not a slow password hash: a key is 32 random bytes, so there is nothing to
guess, and the server must verify it on every request in microseconds. The file
``$WORKBENCH_HOME/serve/keys.json`` keeps the name, hash, a short prefix (to recognise a key in a
list), scopes, rate limit and dates; it is written atomically and re-read when it changes, so a key
added or revoked from the CLI takes effect in a running server at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import SpecError
from workbench.fsutil import atomic_write_json, read_json

SCOPES = ("predict", "explain", "admin")
KEY_PREFIX = "wbk_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_RATE_UNITS = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "d": "day"}


@dataclass(frozen=True)
class ApiKey:
    """What the workspace keeps about a key: never the secret itself."""

    name: str
    hash: str
    prefix: str
    scopes: tuple[str, ...]
    rate: str | None = None
    created: float = field(default_factory=time.time)
    revoked: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def public_dict(self) -> dict[str, Any]:
        """The key as lists show it: name, prefix, scopes, limit, dates; no hash, no secret."""
        data = asdict(self)
        data.pop("hash")
        data["scopes"] = list(self.scopes)
        return data


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_rate(rate: str | None) -> str | None:
    """``20/s`` → ``20/second`` (the ``limits`` syntax); a rate it cannot read is refused with the form."""
    if rate is None or not str(rate).strip():
        return None
    text = str(rate).strip().lower()
    match = re.fullmatch(r"(\d+)\s*(?:/|per)\s*(\d*)\s*([a-z]+)", text)
    if match:
        count, multiple, unit = match.groups()
        unit = _RATE_UNITS.get(unit, unit.rstrip("s"))
        text = f"{count}/{multiple + ' ' if multiple else ''}{unit}"
    from limits import parse

    try:
        parse(text)
    except ValueError:
        raise SpecError(
            f"Rate {rate!r} is not understood: write COUNT/UNIT, e.g. 20/s, 600/minute or 10000/day."
        ) from None
    return text


def check_scopes(scopes: Any) -> tuple[str, ...]:
    items = [s.strip() for s in (scopes.split(",") if isinstance(scopes, str) else scopes) if s.strip()]
    unknown = [s for s in items if s not in SCOPES]
    if unknown or not items:
        raise SpecError(
            f"Unknown scope(s) {', '.join(map(repr, unknown)) or '(none given)'}: use one or more of "
            f"{', '.join(SCOPES)}, comma-separated (admin allows everything)."
        )
    return tuple(dict.fromkeys(items))


class KeyStore:
    """The workspace's API keys; reads are cached per file version, writes are atomic."""

    def __init__(self, home: Path | None = None) -> None:
        self.path = (Path(home) if home else workspace_home()) / "serve" / "keys.json"
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], dict[str, ApiKey]] | None = None

    def _load(self) -> dict[str, ApiKey]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._cached and self._cached[0] == version:
                return self._cached[1]
        raw = read_json(self.path, default={}) or {}
        keys = {
            name: ApiKey(**{**data, "name": name, "scopes": tuple(data["scopes"])})
            for name, data in raw.get("keys", {}).items()
        }
        with self._lock:
            self._cached = (version, keys)
        return keys

    def _save(self, keys: dict[str, ApiKey]) -> None:
        data = {"keys": {k.name: {**asdict(k), "scopes": list(k.scopes)} for k in keys.values()}}
        for entry in data["keys"].values():
            entry.pop("name")
        atomic_write_json(self.path, data)

    def list(self) -> list[ApiKey]:
        return sorted(self._load().values(), key=lambda k: k.created)

    def active(self) -> list[ApiKey]:
        return [k for k in self.list() if k.active]

    def add(self, name: str, scopes: Any = ("predict",), rate: str | None = None) -> tuple[ApiKey, str]:
        """A new key and its secret (returned once; only its hash is stored)."""
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SpecError(
                f"Key name {name!r} is invalid: use up to 64 letters, digits and `._-`, e.g. analytics."
            )
        keys = dict(self._load())
        if name in keys and keys[name].active:
            raise SpecError(
                f"A key named {name!r} already exists; revoke it first (workbench keys revoke {name}) "
                "or pick another name."
            )
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(
            name=name,
            hash=hash_key(secret),
            prefix=secret[:10],
            scopes=check_scopes(scopes),
            rate=normalise_rate(rate),
        )
        keys[name] = key
        self._save(keys)
        return key, secret

    def revoke(self, name: str) -> ApiKey:
        keys = dict(self._load())
        if name not in keys or not keys[name].active:
            known = ", ".join(k.name for k in keys.values() if k.active) or "none"
            raise SpecError(f"No active key named {name!r}. Active keys: {known}.")
        keys[name] = ApiKey(**{**asdict(keys[name]), "revoked": time.time()})
        self._save(keys)
        return keys[name]

    def verify(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None (constant-time comparison of the hashes)."""
        digest = hash_key(secret)
        for key in self._load().values():
            if key.active and hmac.compare_digest(key.hash, digest):
                return key
        return None
