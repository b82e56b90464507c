"""Explain one predicted entity of a token-classification model with SHAP.

The explained output is the entity's type score at its **first sub-token** (the position the model
labels words by): the log-odds (or probability) of the tag predicted there, ``B-person`` say. Every
token of the text is a feature, masked by replacing it with the mask token so that positions stay put
(the first sub-token is always the same position). The explainer, budgets, masker, cache-free
prediction function and result type are the classification explanations' own, so the cost and the
output (``TextExplanation``, ``shap.Explanation``, the heat map) are the same.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from explain.backends import choose_forward
from explain.core import resolve_model
from explain.explainers import get_explainer
from explain.masker import TokenIdTextMasker
from explain.predictor import MaskedRowPredictor, output_transform
from explain.render import ENTITY_KEY
from explain.result import TextExplanation
from explain.spec import ExplainSpec
from workbench.errors import IncompatibleError, SpecError


def explain_entity(
    model: Any, text: str, entity: int | dict[str, Any] = 0, spec: ExplainSpec | None = None
) -> TextExplanation:
    """SHAP attributions over ``text`` for its ``entity``-th predicted entity (0 = the first), or for
    a given span (a dict with ``start``, ``end``, ``label``, ``text``: e.g. a gold entity the model
    missed; the explained output is then the tag the model predicts at its first sub-token).

    The result's ``settings["entity"]`` holds the entity (``start``, ``end``, ``label``, ``score``,
    ``text``); ``to_shap()`` gives a ``shap.Explanation`` with one output, the entity's tag.
    """
    from workbench.inference.entities import predict_entities

    spec = spec or ExplainSpec()
    loaded = resolve_model(model)
    if not getattr(loaded.task, "predicts_entities", False):
        raise IncompatibleError(
            f"Model {loaded.id!r} is a {loaded.task.name} model; entity explanations need a "
            "token-classification model. Use explain_texts for whole-text predictions."
        )
    if isinstance(entity, dict):
        return _explain(loaded, text, entity, spec)
    found = predict_entities(loaded, [text])[0]
    if not found:
        raise SpecError(f"Model {loaded.id!r} finds no entity in this text, so there is none to explain.")
    if not 0 <= entity < len(found):
        listed = ", ".join(f"{i}: {e['text']!r} ({e['label']})" for i, e in enumerate(found))
        raise SpecError(
            f"Entity {entity} does not exist; the text's entities are {listed}. Choose one of those."
        )
    return _explain(loaded, text, found[entity], spec)


def first_subtoken_position(tokenizer: Any, text: str, start: int, max_length: int) -> int | None:
    """The position (special tokens counted) of the sub-token starting at character ``start``."""
    encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True)
    special = set(tokenizer.all_special_ids)
    for position, ((s, e), token) in enumerate(
        zip(encoded["offset_mapping"], encoded["input_ids"], strict=True)
    ):
        if token not in special and s <= start < e:
            return position
    return None


def _explain(loaded: Any, text: str, chosen: dict[str, Any], spec: ExplainSpec) -> TextExplanation:
    started = time.perf_counter()
    tokenizer, max_length = loaded.tokenizer, loaded.record.max_length
    position = first_subtoken_position(tokenizer, text, chosen["start"], max_length)
    if position is None:
        raise SpecError(
            f"The entity {chosen['text']!r} starts after the first {max_length} tokens the model reads in "
            "one pass; explain a shorter text around it."
        )
    masker = TokenIdTextMasker(tokenizer, max_length)
    encoding = masker.encode(text)
    forward, backend, note = choose_forward(loaded, spec.backend)
    predictor = MaskedRowPredictor(
        forward=lambda batch: forward(batch)[:, position, :],
        transform=output_transform("classification", spec.scale),
        mask_id=int(masker.mask_token_id if masker.mask_token_id is not None else 0),
        strategy="replace",  # keeps every position, so the entity's sub-token stays where it is
        batch_size=spec.batch_size,
        pad_id=int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        input_names=tuple(tokenizer.model_input_names),
    )
    predictor.bind(encoding)
    logits = predictor.logits(encoding.ids[None, :])
    tag = int(logits[0].argmax())
    full = predictor.transform(logits)[0]
    probabilities = output_transform("classification", "probability")(logits)[0]
    # not checked against the model: the explainers refuse whole-text explanations of a token model,
    # but the entity's position makes it a classifier over one position's tags, which they handle
    attribution = get_explainer(spec.explainer).attribute(
        masker, predictor, text, np.array([tag]), spec.budget_for(len(encoding.content)), spec.seed
    )
    tag_name = loaded.labels[tag]
    notes = [
        f"Explains the entity {chosen['text']!r} (characters {chosen['start']}-{chosen['end']}, {chosen['label']}):"
        f" the {tag_name} score of its first sub-token."
    ] + ([note] if note else [])
    result = TextExplanation(
        model_id=loaded.id, text=text, pair=None, tokens=list(encoding.segments), values=attribution.values,
        base_values=np.asarray(attribution.base_values, dtype=float), outputs=np.asarray(full[[tag]], dtype=float),
        output_names=[tag_name], prediction=chosen["label"],
        probabilities={name: float(p) for name, p in zip(loaded.labels, probabilities, strict=True)},
        scale=spec.scale, notes=notes, truncated=encoding.truncated, evals=attribution.evals,
        clustering=attribution.clustering, settings={**spec.cache_key(), "backend": backend, ENTITY_KEY: chosen},
    )  # fmt: skip
    result.seconds = time.perf_counter() - started
    return result
