"""``create_app(settings)``: the serving gateway as a FastAPI app (run it with uvicorn).

Routers for the API, auth and limits as dependencies, model loading in the lifespan handler, the
Prometheus text at ``/metrics`` and the Gradio demo mounted at ``/demo``. The same app runs under
``workbench serve``, in tests through ``TestClient``, or under another ASGI server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from workbench.errors import RegistryError, WorkbenchError
from workbench.serve.auth import require
from workbench.serve.batcher import BatcherClosed, QueueFull
from workbench.serve.metrics import CONTENT_TYPE
from workbench.serve.middleware import BodyLimit, JsonBodies, RequestMetrics
from workbench.serve.monitor.api import router as monitor_router
from workbench.serve.routes import router
from workbench.serve.settings import ServeSettings
from workbench.serve.state import ServeState

log = logging.getLogger("workbench.serve")
WORKER_THREADS = 128  # requests waiting on the batcher each hold a worker thread


def create_app(settings: ServeSettings | None = None, *, home: Path | None = None) -> FastAPI:
    settings = settings or ServeSettings()
    state = ServeState.build(settings, home)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        if settings.preload:
            await run_in_threadpool(preload, state)
        yield
        await run_in_threadpool(state.close)  # queued batches finish, the request log is written

    app = FastAPI(
        title="LLM Onboarding Workbench: serving gateway",
        version="1",
        description="Every deployed model behind one API: predict, pinned versions, SHAP explanations.",
        lifespan=lifespan,
    )
    app.state.serve = state
    app.include_router(router)
    app.include_router(monitor_router)
    add_error_handlers(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request, _: object = Depends(require("admin"))) -> Response:
        return Response(state.metrics.render(), media_type=CONTENT_TYPE)

    if settings.demo:
        mount_demo(app, state)
    app.add_middleware(JsonBodies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=state.metrics, log=state.log)
    return app


def preload(state: ServeState) -> None:
    """Load every deployed model and build the safety rules' detectors (their patterns take about a
    second to compile, and as long again the injection families' per-kind regexes), so the first request
    does not pay for either."""
    from workbench.safety import prepare_rules, resolve_rules

    for deployment in state.store.list():
        try:
            state.runtimes.get(deployment.version)
        except WorkbenchError as exc:  # /v1/ready reports it; the other deployments still serve
            log.error("deployment %s: %s", deployment.name, exc)
    try:
        prepare_rules(resolve_rules(state.settings.rules))
    except WorkbenchError as exc:  # a broken rule file: every request reports it, as before
        log.error("safety rules: %s", exc)


def mount_demo(app: FastAPI, state: ServeState) -> None:
    import gradio as gr

    from workbench.serve.demo import KEY_COOKIE, build_demo, demo_auth

    @app.get("/demo-login", include_in_schema=False)
    async def demo_login(key: str) -> Response:
        """Open the demo in a browser with a key: ``/demo-login?key=...`` sets an HttpOnly cookie."""
        found = state.keys.verify(key)
        if found is None or not found.allows("predict"):
            return JSONResponse({"detail": "Unknown or revoked API key, or no predict scope."}, 401)
        response = RedirectResponse("/demo/", status_code=303)
        response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")
        return response

    demo = build_demo(state=state)
    gr.mount_gradio_app(app, demo, path="/demo", auth_dependency=demo_auth(state))


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull) -> JSONResponse:
        request.app.state.serve.metrics.rejected.labels("queue_full").inc()
        return JSONResponse(
            {"detail": str(exc)}, status_code=503, headers={"Retry-After": str(int(exc.retry_after))}
        )

    @app.exception_handler(BatcherClosed)
    async def closing(request: Request, exc: BatcherClosed) -> JSONResponse:
        return JSONResponse(
            {"detail": "The server is shutting down; retry on another replica or in a moment."},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(RegistryError)
    async def not_found(request: Request, exc: RegistryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own 422 echoes the input through a UTF-8 JSON encoder, which fails on half a surrogate
        # pair a client sent ({"texts": "\\ud800"}): a 500. The same answer as ASCII-escaped JSON cannot.
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
        return Response(body, status_code=422, media_type="application/json")

    @app.exception_handler(WorkbenchError)
    async def bad_request(request: Request, exc: WorkbenchError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)
