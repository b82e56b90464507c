"""Who is calling and may they: API keys (401/403) and per-key rate limits (429) as FastAPI dependencies.

Rate limits use the ``limits`` package (moving window per key); its storage is a URI, so the counters
can move from process memory to Redis when several replicas must share one limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workbench.serve.keys import ApiKey, KeyStore

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None

    @property
    def name(self) -> str:
        return self.key.name if self.key else ANONYMOUS


class RateLimits:
    def __init__(self, storage_uri: str, default_rate: str | None) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self.default = parse(default_rate) if default_rate else None
        self._items: dict[str, RateLimitItem] = {}

    def item_for(self, key: ApiKey | None) -> RateLimitItem | None:
        rate = key.rate if key else None
        if not rate:
            return self.default
        if rate not in self._items:
            self._items[rate] = parse(rate)
        return self._items[rate]

    def check(self, caller: Caller, client: str) -> None:
        item = self.item_for(caller.key)
        if item is None:
            return
        identity = caller.name if caller.key else f"{ANONYMOUS}:{client}"
        if self.limiter.hit(item, identity):
            return
        reset = self.limiter.get_window_stats(item, identity).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            429,
            f"Rate limit exceeded for {caller.name!r}: {item.amount} per {item.multiples} "
            f"{item.GRANULARITY.name}; retry in {retry} s.",
            headers={"Retry-After": str(retry)},
        )


def bearer_secret(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate(keys: KeyStore, request: Request, scope: str) -> Caller:
    """The caller's key, checked for ``scope``; anyone when the workspace has no key at all."""
    if not keys.active():
        return Caller(None)
    challenge = {"WWW-Authenticate": "Bearer"}
    secret = bearer_secret(request)
    if secret is None:
        raise HTTPException(
            401,
            "Missing API key: send the header 'Authorization: Bearer <key>' "
            "(create a key with `workbench keys add NAME`).",
            headers=challenge,
        )
    key = keys.verify(secret)
    if key is None:
        raise HTTPException(
            401,
            "Unknown or revoked API key: check the key you send, or create one with `workbench keys add NAME`.",
            headers=challenge,
        )
    if not key.allows(scope):
        raise HTTPException(
            403,
            f"Key {key.name!r} lacks the {scope!r} scope (it has: {', '.join(key.scopes)}); "
            f"create a key with --scopes {scope}.",
        )
    return Caller(key)


def require(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency: authenticate for ``scope``, then count the request against the key's limit."""

    async def dependency(request: Request) -> Caller:
        state = request.app.state.serve
        caller = authenticate(state.keys, request, scope)
        state.rate_limits.check(caller, request.client.host if request.client else "unknown")
        request.state.key_name = caller.name
        return caller

    return dependency
