"""Translation as a service for the Translate page (and any caller that wants the same answer): the
source texts checked, each judged by the safety rules on the way in (``predict_checked``), the
generated text scanned by the same rules on the way out, and the variants of a model run on the same
input with their time, for a side-by-side view.

Every model call goes through ``inference.service.predict_texts``, so a translation here is the one
``workbench predict`` and the gateway give for the same text and settings.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.errors import DataError, IncompatibleError
from workbench.inference.checked import CheckedPrediction
from workbench.inference.generation import GenerationSpec
from workbench.inference.service import Rules, predict_texts
from workbench.models.registry import ModelRecord, Registry
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.safety import Hit, ScanResult, resolve_rules, scan_batch
from workbench.tasks import TASKS

MAX_SOURCE_CHARS = 2_000  # one source text; generation time grows with length, the UI stays responsive
MAX_BATCH_TEXTS = 200  # texts per interactive batch; larger files go through `workbench predict`
SHOWN_ROWS = 5  # offending row numbers named in one message


@dataclass(frozen=True)
class Translation:
    """One source text and its checked prediction (the translation is ``checked.prediction.label``).

    ``source_hits`` are the input rules' hits (spans index the source); ``output_safety`` is the rules'
    scan of the translation itself (spans index it; None when the source was blocked);
    ``verdict_hits`` are the output rules' judgement of the prediction (e.g. low confidence).
    """

    source: str
    checked: CheckedPrediction
    output_safety: ScanResult | None
    source_hits: tuple[Hit, ...] = ()
    verdict_hits: tuple[Hit, ...] = ()

    @property
    def output_hits(self) -> list[Hit]:
        return list(self.output_safety.hits) if self.output_safety else []

    @property
    def text(self) -> str | None:
        return None if self.checked.prediction is None else str(self.checked.prediction.label)

    @property
    def score(self) -> float | None:
        return None if self.checked.prediction is None else float(self.checked.prediction.score)


@dataclass(frozen=True)
class ModelRun:
    """One model's translations of the same sources (None where blocked) and the seconds they took
    (model loading excluded)."""

    model_id: str
    texts: list[str | None]
    seconds: float


def generates_text(record: ModelRecord) -> bool:
    """Whether the model's task generates text (seq2seq), i.e. whether it can translate."""
    task = TASKS.get(record.task)
    return task is not None and task.generates_text


def translation_record(model_id: str, registry: Registry | None = None) -> ModelRecord:
    """The registry record of ``model_id``, refused when its model does not generate text."""
    record = (registry or Registry()).get(model_id)
    if not generates_text(record):
        raise IncompatibleError(
            f"Model {record.id!r} is a {record.task} model: it predicts labels and cannot translate. "
            "Pick a seq2seq model, or fine-tune one on a parallel file with the task 'seq2seq' "
            "(`workbench train pairs.csv --task seq2seq --model <folder>`)."
        )
    return record


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_ROWS])
    return shown + (f" and {len(numbers) - SHOWN_ROWS} more" if len(numbers) > SHOWN_ROWS else "")


def check_sources(texts: Sequence[str]) -> list[str]:
    """The source texts as strings; a ``DataError`` listing every problem (none given, too many,
    empty or over-long texts by their 1-based number) otherwise."""
    sources = ["" if t is None else str(t) for t in texts]
    if not sources or not any(s.strip() for s in sources):
        raise DataError("No source text: type a text to translate, or upload a file with a source column.")
    problems = []
    if len(sources) > MAX_BATCH_TEXTS:
        problems.append(
            f"{len(sources):,} texts is more than the {MAX_BATCH_TEXTS} translated here at once: split the "
            "file, or translate it with `workbench predict MODEL FILE --source-column C`."
        )
    empty = [i for i, s in enumerate(sources, start=1) if not s.strip()]
    if empty:
        problems.append(f"Text(s) {_rows(empty)} are empty: remove those rows or give each a source text.")
    long = [i for i, s in enumerate(sources, start=1) if len(s) > MAX_SOURCE_CHARS]
    if long:
        longest = max(len(sources[i - 1]) for i in long)
        problems.append(
            f"Text(s) {_rows(long)} are longer than {MAX_SOURCE_CHARS:,} characters (longest "
            f"{longest:,}): split them into sentences or paragraphs."
        )
    if problems:
        raise DataError(" ".join(problems), problems)
    return sources


def translate_texts(
    model_id: str,
    texts: Sequence[str],
    *,
    generation: GenerationSpec | None = None,
    rules: Rules = None,
    progress: ProgressCallback = no_progress,
) -> list[Translation]:
    """Translate ``texts`` with the seq2seq model ``model_id``: one ``Translation`` per text, in order.

    The input rules run on each source first (a blocked source is not translated); the same rules
    then scan each translation, so personal data or blocked terms the model produced are flagged too.
    """
    translation_record(model_id)
    sources = check_sources(texts)
    rule_set = resolve_rules(rules)
    checked = predict_texts(model_id, sources, rules=rule_set, generation=generation, progress=progress)
    inputs = scan_batch(sources, rule_set, mask_pii=True)
    outputs = iter(
        scan_batch([str(c.prediction.label) for c in checked if c.prediction is not None], rule_set)
    )
    translations = []
    for source, result, scanned in zip(sources, checked, inputs, strict=True):
        verdict = tuple(h for h in result.safety.hits if h not in scanned.hits)
        output = None if result.prediction is None else next(outputs)
        translations.append(Translation(source, result, output, tuple(scanned.hits), verdict))
    return translations


def time_models(
    model_ids: Sequence[str],
    texts: Sequence[str],
    *,
    generation: GenerationSpec | None = None,
    rules: Rules = None,
    progress: ProgressCallback = no_progress,
) -> list[ModelRun]:
    """The same sources through each model (a model and its variants), timed after loading: what the
    side-by-side view shows. Each model is judged by the same rules, so a blocked source is blocked
    for all of them."""
    from workbench.inference.predict import MODEL_CACHE

    sources = check_sources(texts)
    rule_set = resolve_rules(rules)
    runs = []
    for model_id in model_ids:
        translation_record(model_id)
        MODEL_CACHE.get(model_id)  # load first: the time is generation only
        start = time.perf_counter()
        checked = predict_texts(model_id, sources, rules=rule_set, generation=generation)
        seconds = time.perf_counter() - start
        texts_out = [None if c.prediction is None else str(c.prediction.label) for c in checked]
        runs.append(ModelRun(model_id, texts_out, round(seconds, 4)))
        progress(ProgressEvent(kind="step", step=len(runs), total_steps=len(model_ids), message=model_id))
    return runs


def variants_of(model_id: str, registry: Registry | None = None) -> list[str]:
    """The variants built from ``model_id`` (directly or stacked), oldest first, that still generate."""
    records = (registry or Registry()).list()
    children: dict[str, list[ModelRecord]] = {}
    for record in records:
        if record.parent:
            children.setdefault(record.parent, []).append(record)
    found, queue = [], [model_id]
    while queue:
        for child in sorted(children.get(queue.pop(0), []), key=lambda r: r.created):
            if generates_text(child):
                found.append(child.id)
            queue.append(child.id)
    return found
