"""Request and response shapes of the REST API (``/openapi.json`` is generated from these).

The prediction record is task-generic: ``label`` is a string (classification), a list of strings
(multi-label) or a number (regression), and ``scores`` maps each output to its probability; tasks that
land later (entities, generated text) add their fields through ``extra`` without new routes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

VERSION_HEADER = "X-Model-Version"


class PredictRequest(BaseModel):
    texts: list[str] = Field(
        ..., min_length=1, description="Texts to predict, one result per text in the same order."
    )
    pairs: list[str] | None = Field(
        None, description="Second texts, one per text, for models trained on sentence pairs."
    )


class ExplainRequest(PredictRequest):
    labels: list[str] = Field(
        default_factory=list, description="Labels to explain; empty = the most likely ones."
    )


class SafetyHit(BaseModel):
    rule: str
    category: str
    severity: str
    action: str
    start: int = Field(description="Start of the hit in the text (characters).")
    end: int
    preview: str = Field(description="The matched text in masked form; never the raw match.")
    field: str = Field(
        "text", description="text, text_pair, or output (a generated text: spans index the translation)"
    )


class PredictionOut(BaseModel):
    label: Any = Field(
        None, description="Predicted label (a seq2seq model: the translation); null when the text is blocked."
    )
    score: float | None = Field(None, description="Confidence of the label (the value for regression).")
    scores: dict[str, float] = Field(default_factory=dict, description="Probability per label.")
    blocked: bool = False
    block_reason: str | None = None
    needs_review: bool = False
    safety_hits: list[SafetyHit] = Field(default_factory=list)
    safety_notes: list[str] = Field(
        default_factory=list,
        description="Rules that gave no verdict, and why (a model rule whose model cannot read the text).",
    )
    extra: dict[str, Any] = Field(default_factory=dict, description="Task-specific fields.")


class PredictResponse(BaseModel):
    deployment: str
    version: str = Field(description="The registry model id that answered.")
    task: str
    predictions: list[PredictionOut]


class ExplanationOut(BaseModel):
    blocked: bool = False
    block_reason: str | None = None
    label: str | None = Field(None, description="The explained label (the predicted one by default).")
    prediction: Any = None
    scores: dict[str, float] = Field(default_factory=dict)
    scale: str | None = None
    tokens: list[str] = Field(default_factory=list)
    values: list[float] = Field(default_factory=list, description="SHAP value per token for `label`.")
    base_value: float | None = None
    labels: dict[str, Any] = Field(default_factory=dict, description="The other explained labels.")
    safety_hits: list[SafetyHit] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class ExplainResponse(BaseModel):
    deployment: str
    version: str
    task: str
    explanations: list[ExplanationOut]


class ModelInfo(BaseModel):
    name: str
    version: str
    task: str
    labels: list[str]
    metrics: dict[str, Any]
    lineage: list[str] = Field(description="Registry ids from the root model to this version.")
    kind: str
    deployed_at: float
    deployed_by: str
    loaded: bool
    versions: list[str] = Field(description="Every version this name has served (pinnable).")


class ModelsResponse(BaseModel):
    models: list[ModelInfo]


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    ready: bool
    deployments: dict[str, str] = Field(description="name → state (loaded, lazy, missing: ...)")


class ErrorResponse(BaseModel):
    detail: str


class AlertOut(BaseModel):
    kind: str = Field(description="drift or errors")
    check: str
    reason: str = Field(description="What crossed which threshold, in words.")


class ModelHealthResponse(BaseModel):
    deployment: str
    version: str
    status: str = Field(description="ok, or alert when any alert is raised")
    alerts: list[AlertOut]
    window_rows: int = Field(description="Predictions in the drift window.")
    notes: list[str] = Field(default_factory=list)
