"""``explain`` / ``explain_texts``: SHAP explanations of a registry model's predictions.

One session per request holds the masker and the prediction function; each text is prepared as the
model prepares it (preprocessing, truncation), its prediction decides which labels are explained
(predicted first), the budget follows its length, and the result is cached in the workspace.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from explain.backends import choose_forward
from explain.cache import ExplanationCache, cache_key
from explain.explainers import TextExplainer, get_explainer
from explain.faithfulness import deletion_check
from explain.masker import Encoding, TokenIdTextMasker, join_pair
from explain.predictor import MaskedRowPredictor, output_transform
from explain.result import TextExplanation
from explain.spec import ExplainSpec
from workbench.errors import SpecError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress

EMPTY_NOTE = "The text is empty after preprocessing: there is nothing to explain (output = base value)."


def resolve_model(model: Any) -> Any:
    """A model id (loaded once and shared through ``MODEL_CACHE``) or an already ``LoadedModel``."""
    if isinstance(model, str):
        from workbench.inference.predict import MODEL_CACHE

        return MODEL_CACHE.get(model)
    return model


def output_names(model: Any) -> list[str]:
    return ["value"] if model.task.predicts_value else list(model.labels)


def explained_scale(model: Any, spec: ExplainSpec) -> str:
    return "value" if model.task.predicts_value else spec.scale


def calibrated_forward(forward: Any, model: Any) -> Any:
    """Explanations read the probabilities users see: the model's temperature applies here too."""
    calibrate = getattr(model, "calibrate", None)
    if calibrate is None or getattr(model, "temperature", 1.0) == 1.0:
        return forward
    return lambda batch: calibrate(forward(batch))


class ExplainSession:
    """The masker, prediction function and explainer for one model and one spec."""

    def __init__(self, model: Any, spec: ExplainSpec) -> None:
        self.model = model
        self.spec = spec
        self.explainer: TextExplainer = get_explainer(spec.explainer, model)
        self.masker = TokenIdTextMasker(model.tokenizer, model.record.max_length)
        tokenizer = model.tokenizer
        strategy = spec.masking if getattr(tokenizer, "mask_token_id", None) is not None else "remove"
        forward, self.backend, backend_note = choose_forward(model, spec.backend)
        forward = calibrated_forward(forward, model)
        self.notes = [backend_note] if backend_note else []
        self.predictor = MaskedRowPredictor(
            forward=forward,
            transform=output_transform(model.task.name, spec.scale),
            mask_id=int(self.masker.mask_token_id if self.masker.mask_token_id is not None else 0),
            strategy=strategy,
            batch_size=spec.batch_size,
            pad_id=int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
            input_names=tuple(tokenizer.model_input_names),
        )
        self.names = output_names(model)

    def explain_one(self, text: str, pair: str | None = None) -> TextExplanation:
        """Explain one already-prepared text (and pair)."""
        started = time.perf_counter()
        joined = join_pair(text, pair)
        encoding = self.masker.encode(joined)
        self.predictor.bind(encoding)
        logits = self.predictor.logits(encoding.ids[None, :])
        full = self.predictor.transform(logits)[0]
        outputs = self._explained_outputs(logits[0])
        n_tokens = len(encoding.content)
        notes = ([EMPTY_NOTE] if n_tokens == 0 else []) + self.notes
        notes += truncation_notes(encoding, self.model.record.max_length, text, pair)
        if n_tokens == 0:
            values, base, evals, clustering = np.zeros((0, len(outputs))), full[outputs], 1, None
        else:
            attribution = self.explainer.attribute(
                self.masker, self.predictor, joined, outputs, self.spec.budget_for(n_tokens), self.spec.seed
            )
            values, base = attribution.values, attribution.base_values
            evals, clustering = attribution.evals, attribution.clustering
        prediction = self.model.task.decode(logits, self.model.labels)[0]
        result = TextExplanation(
            model_id=self.model.id, text=text, pair=pair, tokens=list(encoding.segments), values=values,
            base_values=np.asarray(base, dtype=float), outputs=np.asarray(full[outputs], dtype=float),
            output_names=[self.names[i] for i in outputs], prediction=prediction.label,
            probabilities=prediction.probabilities, scale=explained_scale(self.model, self.spec),
            notes=notes, truncated=encoding.truncated, evals=evals, clustering=clustering,
            settings={**self.spec.cache_key(), "backend": self.backend},
        )  # fmt: skip
        result.faithfulness = self._deletion_check(encoding, values, int(outputs[0]))
        result.seconds = time.perf_counter() - started
        return result

    def _explained_outputs(self, logits: np.ndarray) -> np.ndarray:
        """Chosen labels, else the most likely ones (predicted first)."""
        if self.spec.labels:
            return np.array([self.names.index(label) for label in self.spec.labels])
        if self.model.task.predicts_value:
            return np.array([0])
        scores = self.model.task.scores(logits[None, :])[0]
        return np.argsort(-scores, kind="stable")[: self.spec.max_classes]

    def _deletion_check(self, encoding: Encoding, values: np.ndarray, output: int) -> Any:
        if not self.spec.faithfulness_k or values.size == 0:
            return None
        task = self.model.task

        def score_of(logits: np.ndarray) -> np.ndarray:
            return task.scores(logits)[:, output]

        column = values[:, 0]
        if task.predicts_value:  # "top" = largest effect either way; drop = change of value
            return deletion_check(
                self.predictor, encoding, np.abs(column),
                lambda z: -np.abs(score_of(z) - score_of(z[:1])[0]), self.spec.faithfulness_k, self.spec.seed,
            )  # fmt: skip
        return deletion_check(
            self.predictor, encoding, column, score_of, self.spec.faithfulness_k, self.spec.seed
        )


def truncation_notes(encoding: Encoding, max_length: int, text: str, pair: str | None) -> list[str]:
    if not encoding.truncated:
        return []
    end = encoding.explained_chars[0]
    where = f"text up to character {end} of {len(text)}" + (
        f", pair up to character {encoding.explained_chars[1]} of {len(pair)}" if pair is not None else ""
    )
    return [
        f"Truncated: the input is {encoding.full_length} tokens but the model reads at most {max_length}; "
        f"only the first {len(encoding.ids)} tokens ({where}) are explained. The rest cannot change "
        "this prediction."
    ]


def check_request(model: Any, texts: Sequence[Any], pairs: Sequence[Any] | None, spec: ExplainSpec) -> None:
    """Every problem with the request at once, before any work."""
    problems = []
    if isinstance(texts, str):
        problems.append("texts must be a list of strings, got one string: wrap it as [text]")
    names = output_names(model)
    unknown = [label for label in spec.labels if label not in names]
    if unknown:
        problems.append(
            f"label(s) {', '.join(map(repr, unknown))} are not outputs of model {model.id!r}; "
            f"its labels are: {', '.join(names)}"
        )
    if pairs is not None and len(pairs) != len(texts):
        problems.append(f"got {len(texts)} texts but {len(pairs)} pairs: give one pair per text")
    if model.record.text_pair and pairs is None:
        problems.append(
            f"model {model.id!r} was trained on text pairs: give the second texts too (pairs=...)"
        )
    if pairs is not None and not model.record.text_pair:
        problems.append(f"model {model.id!r} takes single texts, not pairs: leave pairs out")
    if problems:
        raise SpecError("Cannot explain: " + "; ".join(problems), problems)


def explain_texts(
    model: Any,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    spec: ExplainSpec | None = None,
    *,
    progress: ProgressCallback = no_progress,
) -> list[TextExplanation]:
    """Explain each text (cached in the workspace); one ``TextExplanation`` per text, in order.

    A model that generates text (translation) gets one output per generated token (``explain.seq2seq``).
    """
    spec = spec or ExplainSpec()
    model = resolve_model(model)
    if model.task.generates_text:
        from explain.seq2seq import explain_generations

        if pairs is not None:
            raise SpecError(
                f"Cannot explain: model {model.id!r} translates single texts, not pairs: leave pairs out"
            )
        return explain_generations(model, texts, spec, progress=progress)
    check_request(model, texts, pairs, spec)
    get_explainer(spec.explainer, model)  # fail early on an unknown or incompatible explainer
    session: ExplainSession | None = None  # built on the first cache miss (backend set-up costs time)
    prepared = model.prepare_texts(list(texts))
    prepared_pairs = model.prepare_texts(list(pairs)) if pairs is not None else [None] * len(prepared)
    cache = ExplanationCache() if spec.use_cache else None
    results = []
    for step, (raw, text, pair) in enumerate(zip(texts, prepared, prepared_pairs, strict=True), start=1):
        key = cache_key(model.id, model.record.created, text, pair, spec.cache_key())
        hit = cache.get(key) if cache else None
        if hit:
            result = TextExplanation.from_dict(hit)
            result.cached = True
        else:
            session = session or ExplainSession(model, spec)
            result = session.explain_one(text, pair)
            if cache:
                cache.put(key, result.to_dict())
        if raw is not None and str(raw) != text and not any("preprocessing" in n for n in result.notes):
            result.notes.append("Explained after the model's preprocessing, as it saw the text in training.")
        results.append(result)
        progress(ProgressEvent(kind="step", step=step, total_steps=len(prepared), message="explaining"))
    return results


def explain(
    model: Any,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    spec: ExplainSpec | None = None,
    *,
    progress: ProgressCallback = no_progress,
) -> Any:
    """SHAP values as the ecosystem's ``shap.Explanation`` (rows = texts; ``shap.plots.text`` works).

    Columns are the explained labels; when every text explains the same labels they are in the
    model's label order, otherwise each row keeps its own (predicted first).
    """
    model = resolve_model(model)
    results = explain_texts(model, texts, pairs, spec, progress=progress)
    if model.task.generates_text:  # the outputs are each translation's own tokens
        names = list(dict.fromkeys(name for r in results for name in r.output_names))
        return to_shap_batch(results, names)
    return to_shap_batch(results, output_names(model))


def to_shap_batch(results: Sequence[TextExplanation], label_order: Sequence[str]) -> Any:
    """Several ``TextExplanation`` s as one ``shap.Explanation`` (ragged rows as object arrays)."""
    import shap

    same = len({frozenset(r.output_names) for r in results}) == 1
    order = [name for name in label_order if results and name in results[0].output_names]
    rows = []
    for r in results:
        idx = [r.output_names.index(n) for n in order] if same else list(range(len(r.output_names)))
        rows.append((r.values[:, idx], r.base_values[idx], [r.output_names[i] for i in idx]))
    clusterings = [r.clustering for r in results]
    return shap.Explanation(
        values=_pack([v for v, _, _ in rows]),
        base_values=_pack([b for _, b, _ in rows]),
        data=_pack([np.array(r.tokens, dtype=object) for r in results]),
        feature_names=[[t.strip() for t in r.tokens] for r in results],
        output_names=order if same else [names for _, _, names in rows],
        clustering=_pack(clusterings) if all(c is not None for c in clusterings) else None,
    )


def _pack(items: list[Any]) -> np.ndarray:
    """Stack equal shapes; otherwise an object array of rows (shap's own ragged convention)."""
    if items and all(np.shape(x) == np.shape(items[0]) for x in items):
        return np.stack([np.asarray(x) for x in items])
    out = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        out[i] = x
    return out
