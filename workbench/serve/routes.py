"""The REST routes: health, readiness, the deployed models, predict (current or pinned version), explain.

Each request resolves its deployment to a version once, at its start, and answers from that version
to the end (named in the body and in the ``X-Model-Version`` header), even when the deployment is
switched while it runs. Slow work (loading, the model, SHAP) runs in worker threads.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from workbench.data.encoding import lone_surrogates
from workbench.safety import resolve_rules
from workbench.serve.auth import Caller, require
from workbench.serve.mirror import MirrorJob
from workbench.serve.records import count_safety_hits, explanation_out, log_rows, prediction_out
from workbench.serve.runtime import CacheMiss
from workbench.serve.schemas import (
    VERSION_HEADER,
    ErrorResponse,
    ExplainRequest,
    ExplainResponse,
    HealthResponse,
    ModelInfo,
    ModelsResponse,
    PredictRequest,
    PredictResponse,
    ReadyResponse,
)
from workbench.serve.state import ServeState

MAX_EXPLAIN_TEXTS = 8
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "missing or unknown API key",
        403: "the key lacks the scope",
        404: "unknown deployment or version",
        413: "too many texts or too large a body",
        422: "a text too long, or a malformed request",
        429: "rate limit exceeded (see Retry-After)",
        503: "the model's queue is full (see Retry-After)",
    }.items()
}

router = APIRouter(prefix="/v1")


def serve_state(request: Request) -> ServeState:
    return request.app.state.serve


@router.get("/health", response_model=HealthResponse, summary="Liveness: the process answers")
async def health() -> HealthResponse:
    return HealthResponse(status="ok")


@router.get("/ready", response_model=ReadyResponse, summary="Readiness: every deployed model loaded")
async def ready(request: Request, response: Response) -> ReadyResponse:
    state = serve_state(request)
    states = {}
    for d in state.store.list():
        if state.runtimes.loaded(d.version):
            states[d.name] = "loaded"
        elif not state.registry.exists(d.version):
            states[d.name] = f"missing: model {d.version!r} is not in the workspace"
        else:
            states[d.name] = "lazy (loads on first request)" if not state.settings.preload else "loading"
    ok = all(s == "loaded" or s.startswith("lazy") for s in states.values())
    if not ok:
        response.status_code = 503
    return ReadyResponse(ready=ok, deployments=states)


@router.get("/models", response_model=ModelsResponse, responses=ERRORS, summary="The deployed models")
async def models(request: Request, caller: Caller = Depends(require("predict"))) -> ModelsResponse:
    state = serve_state(request)
    out = []
    for d in state.store.list():
        if not state.registry.exists(d.version):
            continue
        record = state.registry.get(d.version)
        out.append(
            ModelInfo(
                name=d.name,
                version=d.version,
                task=record.task,
                labels=record.labels,
                metrics=record.metrics,
                lineage=[r.id for r in state.registry.lineage(d.version)],
                kind=record.kind,
                deployed_at=d.updated,
                deployed_by=d.by,
                loaded=state.runtimes.loaded(d.version),
                versions=state.store.versions(d.name),
            )
        )
    return ModelsResponse(models=out)


@router.post(
    "/models/{name}/predict", response_model=PredictResponse, responses=ERRORS, summary="Predict texts"
)
async def predict(
    name: str,
    body: PredictRequest,
    request: Request,
    response: Response,
    caller: Caller = Depends(require("predict")),
) -> PredictResponse:
    deployment = serve_state(request).store.get(name)
    request_id = client_request_id(request) or uuid.uuid4().hex[:16]
    version = deployment.routed_version(caller.key.name if caller.key else request_id)
    mirror = deployment.mirror_version(version)
    return await _predict(request, response, name, version, body, "predict", request_id, mirror)


@router.post(
    "/models/{name}/versions/{version}/predict",
    response_model=PredictResponse,
    responses=ERRORS,
    summary="Predict with a pinned version",
)
async def predict_pinned(
    name: str,
    version: str,
    body: PredictRequest,
    request: Request,
    response: Response,
    caller: Caller = Depends(require("predict")),
) -> PredictResponse:
    state = serve_state(request)
    state.store.get(name)  # 404 for an unknown name first
    served = state.store.versions(name)
    if version not in served:
        raise HTTPException(
            404,
            f"Version {version!r} has never served {name!r}; it served: {', '.join(served)}. Pin one of those.",
        )
    return await _predict(request, response, name, version, body, "predict-pinned")


@router.post(
    "/models/{name}/explain",
    response_model=ExplainResponse,
    responses=ERRORS,
    summary="SHAP explanation (fast mode) with the safety hits",
)
async def explain(
    name: str,
    body: ExplainRequest,
    request: Request,
    response: Response,
    caller: Caller = Depends(require("explain")),
) -> ExplainResponse:
    from explain.core import explain_texts
    from explain.spec import ExplainSpec

    state = serve_state(request)
    version = state.store.get(name).version
    if len(body.texts) > MAX_EXPLAIN_TEXTS:
        raise HTTPException(
            413,
            f"Too many texts to explain: {len(body.texts)}, the limit is {MAX_EXPLAIN_TEXTS} per request "
            "(an explanation takes about a second each); split the request.",
        )
    spec = ExplainSpec(mode="fast", labels=tuple(body.labels))
    runtime, served = await _checked(request, response, version, body)
    allowed = [i for i, s in enumerate(served) if not s.checked.blocked]
    texts = [served[i].checked.model_text or body.texts[i] for i in allowed]  # PII stays masked
    pairs = [body.pairs[i] for i in allowed] if body.pairs is not None else None
    results = await run_in_threadpool(explain_texts, runtime.loaded, texts, pairs, spec) if allowed else []
    by_index = dict(zip(allowed, results, strict=True))
    return ExplainResponse(
        deployment=name,
        version=version,
        task=runtime.task.name,
        explanations=[explanation_out(s.checked, by_index.get(i)) for i, s in enumerate(served)],
    )


async def _checked(request: Request, response: Response, version: str, body: PredictRequest) -> tuple:
    """Check the limits, load the version, and predict every text with the safety verdict."""
    state = serve_state(request)
    request.state.version = version
    response.headers[VERSION_HEADER] = version
    check_limits(state, body)
    runtime = state.runtimes.peek(version) or await run_in_threadpool(state.runtimes.get, version)
    check_pairs(runtime.loaded, body)
    rules = resolve_rules(state.settings.rules)
    if runtime.all_cached(body.texts, body.pairs):  # answered from memory: no worker thread needed
        try:
            return runtime, runtime.predict(body.texts, body.pairs, rules, cache_only=True)
        except CacheMiss:
            pass  # evicted in between: take the model path
    served = await run_in_threadpool(runtime.predict, body.texts, body.pairs, rules)
    return runtime, served


def client_request_id(request: Request) -> str | None:
    """The caller's ``X-Request-Id`` when it is a plain token (a canary routes a retry the same way)."""
    value = request.headers.get("X-Request-Id", "")
    return value if REQUEST_ID.fullmatch(value) else None


async def _predict(
    request: Request,
    response: Response,
    name: str,
    version: str,
    body: PredictRequest,
    route: str,
    request_id: str | None = None,
    mirror: str | None = None,
) -> PredictResponse:
    started = time.perf_counter()
    state = serve_state(request)
    runtime, served = await _checked(request, response, version, body)
    out = PredictResponse(
        deployment=name,
        version=version,
        task=runtime.task.name,
        predictions=[prediction_out(s.checked) for s in served],
    )
    request_id = request_id or uuid.uuid4().hex[:16]
    response.headers["X-Request-Id"] = request_id
    count_safety_hits(state.metrics, name, served)
    key_name = getattr(request.state, "key_name", None)
    state.log.write(
        log_rows(
            served,
            request_id=request_id,
            key_name=key_name,
            deployment=name,
            version=version,
            route=route,
            latency_ms=(time.perf_counter() - started) * 1000,
            texts=body.texts,
            pairs=body.pairs,
        )
    )
    if mirror:  # after the answer is built; the shadow runs in its own thread
        job = MirrorJob(name, mirror, request_id, key_name, list(body.texts), body.pairs)
        state.mirror.submit(job)
    return out


def check_limits(state: ServeState, body: PredictRequest) -> None:
    settings = state.settings
    if len(body.texts) > settings.max_texts:
        raise HTTPException(
            413,
            f"Too many texts: {len(body.texts)} in one request, the limit is {settings.max_texts} "
            "(--max-texts); split the request.",
        )
    count = len(body.texts)
    problem = lone_surrogates(
        [*body.texts, *(body.pairs or [])],
        lambda i: f"text at index {i}" if i < count else f"pair at index {i - count}",
    )
    if problem is not None:  # before the cache, whose keys are UTF-8 bytes
        raise HTTPException(422, problem)
    long = [i for i, t in enumerate(body.texts) if len(t) > settings.max_chars]
    long += [i for i, t in enumerate(body.pairs or []) if len(t) > settings.max_chars]
    if long:
        shown = ", ".join(str(i) for i in sorted(set(long))[:5])
        raise HTTPException(
            422,
            f"Text(s) at index {shown} longer than {settings.max_chars:,} characters (--max-chars); "
            "shorten them (the model reads only the first few hundred tokens anyway).",
        )


def check_pairs(loaded: Any, body: PredictRequest) -> None:
    problem = None
    if body.pairs is not None and len(body.pairs) != len(body.texts):
        problem = f"got {len(body.texts)} texts but {len(body.pairs)} pairs: give one pair per text"
    elif loaded.record.text_pair and body.pairs is None:
        problem = f"model {loaded.id!r} was trained on text pairs: send 'pairs' too, one per text"
    elif body.pairs is not None and not loaded.record.text_pair:
        problem = f"model {loaded.id!r} takes single texts: leave 'pairs' out"
    if problem:
        raise HTTPException(422, problem[0].upper() + problem[1:] + ".")
