"""SHAP for generated text: how much each source token moved each token of the model's translation.

The model first translates the text (greedy, or the given ``GenerationSpec``); that translation is then
held fixed and scored under masked sources by teacher forcing, which is what shap's
``shap.models.TeacherForcing`` does: the explained output ``j`` is the log-odds (or probability) of
output token ``j`` given the masked source and the output before it. The masker, Partition explainer,
budgets and result type are the classification explanations' own, so a ``TextExplanation`` comes back
with one output per generated token (``to_shap()`` gives the text-to-text ``shap.Explanation`` that
``shap.plots.text`` draws as its seq2seq view; ``render_html`` shows one heat map per output token).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from explain.cache import ExplanationCache, cache_key
from explain.explainers import get_explainer
from explain.masker import TokenIdTextMasker
from explain.predictor import MaskedRowPredictor
from explain.render import GENERATION_KEY
from explain.result import TextExplanation
from explain.spec import SECONDS_TARGETS, ExplainSpec
from workbench.errors import SpecError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress

_PIECE_MARKS = ("▁", "Ġ")  # SentencePiece / byte-level BPE word starts, dropped from output names


def explain_generations(
    model: Any,
    texts: Sequence[str],
    spec: ExplainSpec | None = None,
    *,
    generation: Any = None,
    progress: ProgressCallback = no_progress,
) -> list[TextExplanation]:
    """One explanation per source text: rows = source tokens, columns = generated tokens."""
    spec = spec or ExplainSpec()
    if isinstance(texts, str):
        raise SpecError("Cannot explain: texts must be a list of strings, got one string: wrap it as [text]")
    if spec.labels:
        raise SpecError(
            f"Model {model.id!r} generates text, so there are no labels to choose: leave labels out "
            "(every generated token is explained)."
        )
    get_explainer(spec.explainer)  # an unknown explainer fails before any work
    cache = ExplanationCache() if spec.use_cache else None
    settings = {**spec.cache_key(), GENERATION_KEY: generation.to_dict() if generation else None}
    results = []
    prepared = model.prepare_texts(list(texts))
    for step, text in enumerate(prepared, start=1):
        key = cache_key(model.id, model.record.created, text, None, settings)
        hit = cache.get(key) if cache else None
        if hit:
            result = TextExplanation.from_dict(hit)
            result.cached = True
        else:
            result = explain_generation(model, text, spec, generation=generation)
            if cache:
                cache.put(key, result.to_dict())
        results.append(result)
        progress(ProgressEvent(kind="step", step=step, total_steps=len(prepared), message="explaining"))
    return results


def explain_generation(
    model: Any, text: str, spec: ExplainSpec, *, generation: Any = None
) -> TextExplanation:
    """Explain the translation of one (prepared) text; notes say when it took longer than the mode's
    time target (``SECONDS_TARGETS``)."""
    started = time.perf_counter()
    tokenizer, max_length = model.tokenizer, model.record.max_length
    masker = TokenIdTextMasker(tokenizer, max_length)
    encoding = masker.encode(text)
    target = generate_ids(model, encoding.ids, generation)
    explained = np.array([i for i, t in enumerate(target) if t not in set(tokenizer.all_special_ids)])
    names = output_token_names(tokenizer, target[explained])
    strategy = spec.masking if getattr(tokenizer, "mask_token_id", None) is not None else "remove"
    predictor = MaskedRowPredictor(
        forward=teacher_forced_forward(model.model, target),
        transform=token_transform(spec.scale),
        mask_id=int(tokenizer.mask_token_id if strategy != "remove" else 0),
        strategy=strategy,
        batch_size=batch_rows(spec.batch_size, len(target), len(tokenizer), model.model),
        pad_id=int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        input_names=("input_ids", "attention_mask"),
    )
    predictor.bind(encoding)
    full = predictor(encoding.ids[None, :])[0]
    n_tokens = len(encoding.content)
    notes = []
    if n_tokens == 0 or explained.size == 0:
        values, base, evals, clustering = np.zeros((n_tokens, explained.size)), full[explained], 1, None
        notes.append("Nothing to explain: the source or its translation is empty.")
    else:
        attribution = get_explainer(spec.explainer).attribute(
            masker, predictor, text, explained, spec.budget_for(n_tokens), spec.seed
        )
        values, base = attribution.values, attribution.base_values
        evals, clustering = attribution.evals, attribution.clustering
    seconds = time.perf_counter() - started
    limit = SECONDS_TARGETS[spec.mode]
    slow = seconds > limit
    if slow:
        notes.append(
            f"Slow: this explanation took {seconds:.1f} s, above the {spec.mode} mode's {limit:g} s target "
            f"({n_tokens} source x {explained.size} output tokens, {evals} evaluations); a shorter text "
            "or a smaller budget (--max-evals) is faster."
            + ("" if _WARMED else " The first explanation in a process also pays shap's one-off start-up.")
        )
    _warmed()
    translation = tokenizer.decode(target, skip_special_tokens=True).strip()
    result = TextExplanation(
        model_id=model.id, text=text, pair=None, tokens=list(encoding.segments), values=values,
        base_values=np.asarray(base, dtype=float), outputs=np.asarray(full[explained], dtype=float),
        output_names=names, prediction=translation, probabilities={}, scale=spec.scale, notes=notes,
        truncated=encoding.truncated, evals=evals, clustering=clustering,
        settings={**spec.cache_key(), "backend": "torch", GENERATION_KEY: translation, "slow": slow},
    )  # fmt: skip
    result.seconds = seconds
    return result


_WARMED = False


def _warmed() -> None:
    global _WARMED
    _WARMED = True


def generate_ids(model: Any, source_ids: np.ndarray, generation: Any = None) -> np.ndarray:
    """The generated token ids of one source (decoder start token dropped, padding removed)."""
    import torch

    from workbench.inference.generation import GenerationSpec

    spec = generation or GenerationSpec()
    model.model.eval()
    with torch.inference_mode():
        out = model.model.generate(
            input_ids=torch.as_tensor(source_ids)[None, :], **spec.generate_kwargs(model.model)
        )
    ids = out[0, 1:].numpy()
    pad = model.tokenizer.pad_token_id
    return ids[ids != pad] if pad is not None else ids


MAX_LOGITS = 50_000_000  # vocabulary scores one forward pass may hold (200 MB of float32)


def batch_rows(requested: int, target_length: int, vocab: int, network: Any) -> int:
    """Masked sources per forward pass: the spec's batch size, fewer when the vocabulary scores of all
    output positions would not fit in ``MAX_LOGITS`` (an opus-mt vocabulary has 58,101 entries)."""
    vocab = max(vocab, int(getattr(network.config, "vocab_size", 0) or 0))
    return max(1, min(requested, MAX_LOGITS // max(1, target_length * vocab)))


def teacher_forced_forward(network: Any, target: np.ndarray) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """Masked source batches -> log-probability of each target token (teacher forcing), ``(n, T)``."""
    import torch

    labels = torch.as_tensor(target, dtype=torch.long)[None, :]
    if hasattr(network, "prepare_decoder_input_ids_from_labels"):
        decoder_inputs = network.prepare_decoder_input_ids_from_labels(labels=labels)
    else:  # shift right behind the decoder start token, as the model does with ``labels``
        start = torch.tensor([[network.config.decoder_start_token_id]])
        decoder_inputs = torch.cat([start, labels[:, :-1]], dim=1)

    def forward(batch: dict[str, np.ndarray]) -> np.ndarray:
        ids = torch.as_tensor(batch["input_ids"])
        attention = batch.get("attention_mask")
        mask = torch.as_tensor(attention) if attention is not None else torch.ones_like(ids)
        with torch.inference_mode():
            logits = network(
                input_ids=ids,
                attention_mask=mask,
                decoder_input_ids=decoder_inputs.expand(len(ids), -1),
                use_cache=False,
            ).logits
            picked = logits.gather(2, labels.expand(len(ids), -1)[..., None])[..., 0]
            # log p = logit - logsumexp: no second vocabulary-sized copy (58k entries x positions x rows)
            logp = picked.double() - torch.logsumexp(logits, dim=-1).double()
        return logp.numpy()

    return forward


def token_transform(scale: str) -> Callable[[np.ndarray], np.ndarray]:
    """Log-probabilities to the explained scale: log-odds ``log p - log(1 - p)`` or ``p``."""
    if scale == "probability":
        return np.exp

    def log_odds(logp: np.ndarray) -> np.ndarray:
        return logp - np.log(-np.expm1(np.minimum(logp, -1e-12)))

    return log_odds


def output_token_names(tokenizer: Any, ids: np.ndarray) -> list[str]:
    """Readable, unique names of the generated tokens (a repeated token gets ``#2``, ``#3``...)."""
    names, seen = [], {}
    for token_id, token in zip(ids, tokenizer.convert_ids_to_tokens([int(i) for i in ids]), strict=True):
        token = token if token is not None else f"<id {int(token_id)}>"  # outside the tokenizer's vocab
        name = token
        for mark in _PIECE_MARKS:
            name = name.replace(mark, "")
        name = name or token
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return names


def generation_summary(result: TextExplanation, k: int = 3) -> str:
    """Plain text: the translation, then per output token the source tokens that pushed it most."""
    lines = [f"Model {result.model_id} translates: {result.prediction}"]
    lines.append(
        f"Each output token on the {result.scale} scale: the source tokens that raised it most "
        f"(of {len(result.tokens)} source tokens)."
    )
    words = [t.strip() for t in result.tokens]
    for j, name in enumerate(result.output_names):
        column = result.values[:, j]
        top = [
            f'"{words[i]}" {column[i]:+.3f}' for i in np.argsort(-column, kind="stable")[:k] if column[i] > 0
        ]
        lines.append(f"  {name}: {', '.join(top) or 'no source token raised it'}")
    lines.append(f"{result.evals} evaluations, {result.seconds:.2f} s.")
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)
