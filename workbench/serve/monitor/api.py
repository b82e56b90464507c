"""``GET /v1/models/{name}/health``: the deployment's alerts (drift, error rate) as the monitor sees them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from workbench.serve.auth import Caller, require
from workbench.serve.schemas import AlertOut, ModelHealthResponse

router = APIRouter(prefix="/v1")


@router.get(
    "/models/{name}/health",
    response_model=ModelHealthResponse,
    summary="Alerts of one deployment: drift against its validation predictions, error rate",
)
async def model_health(
    name: str, request: Request, caller: Caller = Depends(require("predict"))
) -> ModelHealthResponse:
    from workbench.serve.monitor.report import build_report

    state = request.app.state.serve
    state.store.get(name)  # 404 with the known names first

    def report():
        state.log.flush()
        return build_report(name, home=state.registry.home, rules=state.settings.rules)

    result = await run_in_threadpool(report)
    return ModelHealthResponse(
        deployment=name,
        version=result.version,
        status=result.status,
        alerts=[AlertOut(**a.to_dict()) for a in result.alerts],
        window_rows=result.window_rows,
        notes=result.notes,
    )
