"""Two plain ASGI middlewares (no per-request task switch, unlike ``BaseHTTPMiddleware``):
a body-size limit that answers 413 before a large body is read, and the request metrics.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from workbench.serve.metrics import ServeMetrics

Scope = dict[str, Any]


async def _send_json(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a body larger than ``max_bytes`` with 413, by its Content-Length or while it streams."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def message(self, size: int | None) -> str:
        got = f"{size:,} bytes" if size is not None else "more"
        return (
            f"Request body too large: {got}, the limit is {self.max_bytes:,} bytes (--max-body-kb); "
            "send fewer or shorter texts per request."
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, self.message(int(length)))
            return
        seen = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, self.message(None))


class _TooLarge(Exception):
    pass


class RequestMetrics:
    """Count every /v1 request by deployment, version, route and status, and time it; a refused or
    failed request to a deployment also gets a row in the request log (no text), so the monitoring
    counts 401/429/503 beside the answered ones."""

    def __init__(self, app: Any, metrics: ServeMetrics, log: Any = None) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            deployment = scope.get("path_params", {}).get("name", "")
            version = scope.get("state", {}).get("version", "")
            self.metrics.requests.labels(deployment, version, route, str(status)).inc()
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(deployment, route).observe(elapsed)
            if self.log is not None and deployment and status != 200:
                self.log.write([refused_row(scope, deployment, version, status, elapsed)])


def refused_row(scope: Scope, deployment: str, version: str, status: int, elapsed: float) -> Any:
    from workbench.serve.requestlog import LogRow

    state = scope.get("state", {})
    name = getattr(scope.get("route"), "name", None) or "unmatched"
    return LogRow(
        at=time.time(), request_id=uuid.uuid4().hex[:16], key_name=state.get("key_name"),
        deployment=deployment, version=version, route=name.replace("_", "-"), status=status,
        latency_ms=round(elapsed * 1000, 3), label=None, confidence=None, rule_hits="", blocked=False,
        cached=False, text_masked="", text_sha256="",
    )  # fmt: skip


class JsonBodies:
    """Read a /v1 POST body as JSON even when the client labels it as a form (``curl -d`` does): the
    API takes JSON only, so the curl one-liner in the README works without a Content-Type header."""

    FORM = b"application/x-www-form-urlencoded"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/v1/"):
            headers = [
                (k, b"application/json") if k == b"content-type" and v.startswith(self.FORM) else (k, v)
                for k, v in scope["headers"]
            ]
            scope["headers"] = headers  # in place: the metrics layer reads the route from this scope
        await self.app(scope, receive, send)
