"""Prediction judged by the safety rules: what every user-facing prediction path calls.

The input rules run first; a blocked text never reaches the model (its prediction is None and the
reason is returned). The others are predicted in one batched call, then the output rules judge each
prediction (low confidence, label-conditional keywords) and may route it to review.
``LoadedModel.predict`` stays a plain model call, for evaluation and for the variants' comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import SpecError
from workbench.progress import ProgressCallback, no_progress
from workbench.safety import Hit, RuleSet, ScanResult, add_output_hits, check_output, scan_batch
from workbench.safety.placeholders import DEFAULT_STYLE
from workbench.tasks import Prediction, get_task

FIELD = "text"
PAIR_FIELD = "text_pair"
OUTPUT_FIELD = "output"


@dataclass(frozen=True)
class CheckedPrediction:
    """One text's prediction with the rules' verdict. ``prediction`` is None when the text is blocked.

    ``safety`` holds the hits on the text (input and output rules; spans index the text) and
    ``masked_text`` with *all* personal data masked; ``pair_safety`` the same for the second text.
    ``output_safety`` (generated text only) holds the output rules' hits on the generated text (spans
    index ``prediction.label``) and that text with the personal data masked again, for logs.
    """

    prediction: Prediction | None
    safety: ScanResult
    pair_safety: ScanResult | None = None
    output_safety: ScanResult | None = None
    # the text the model read when it differs from the input (generated text: numbered placeholders in
    # place of personal data); explanations of this prediction explain this text, never the raw one
    model_text: str | None = None

    def _scans(self) -> list[tuple[str, ScanResult]]:
        named = [(FIELD, self.safety), (PAIR_FIELD, self.pair_safety), (OUTPUT_FIELD, self.output_safety)]
        return [(name, scan) for name, scan in named if scan is not None]

    @property
    def blocked(self) -> bool:
        return any(scan.blocked for _, scan in self._scans())

    @property
    def block_reason(self) -> str | None:
        prefix = {FIELD: "", PAIR_FIELD: "second text ", OUTPUT_FIELD: "output "}
        reasons = [prefix[name] + (scan.block_reason or "") for name, scan in self._scans() if scan.blocked]
        return "; ".join(r for r in reasons if r) or None

    @property
    def needs_review(self) -> bool:
        return any(scan.needs_review for _, scan in self._scans())

    @property
    def masked_output(self) -> str:
        """The prediction as logs may keep it: a generated text with its personal data masked."""
        if self.prediction is None:
            return ""
        return self.output_safety.masked_text if self.output_safety else str(self.prediction.label)

    @property
    def hits(self) -> list[Hit]:
        """Hits on the text, then on the second text, then on the generated output (spans index each)."""
        return [hit for _, scan in self._scans() for hit in scan.hits]

    def rule_ids(self) -> list[str]:
        """The rules that fired, each once, in the order of their first hit."""
        return list(dict.fromkeys(hit.rule for hit in self.hits))

    @property
    def notes(self) -> list[str]:
        """Why a rule gave no verdict on a field (its model could not read it), each once."""
        return list(dict.fromkeys(note for _, scan in self._scans() for note in scan.notes))

    def hit_records(self) -> list[dict[str, Any]]:
        """Every hit as a prediction log may keep it: spans and masked previews, never the raw match."""
        return [{**hit.to_log_dict(), "field": name} for name, scan in self._scans() for hit in scan.hits]


def predict_checked(
    loaded: Any,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    *,
    rules: RuleSet,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
    generation: Any = None,
    placeholders: str = DEFAULT_STYLE,
) -> list[CheckedPrediction]:
    """Scan, predict what is not blocked, apply the output rules; one result per text, in order.

    ``generation`` (a ``GenerationSpec``) sets how a seq2seq model generates; a model that generates
    text reads its sources with personal data replaced by numbered ``placeholders`` (a style of
    ``workbench.safety.placeholders``), put back in its output (see ``checked_generation``)."""
    texts = ["" if t is None else str(t) for t in texts]
    scans = scan_batch(texts, rules, mask_pii=True)
    if loaded.task.generates_text:
        from workbench.inference.checked_generation import generate_checked

        if pairs is not None:
            raise SpecError(
                f"Model {loaded.id!r} generates text from one source text: "
                "drop the second text (text pair) column."
            )
        return generate_checked(
            loaded, texts, scans, rules=rules, batch_size=batch_size, progress=progress,
            generation=generation, style=placeholders,
        )  # fmt: skip
    pair_scans: list[ScanResult | None] = (
        list(scan_batch(["" if p is None else str(p) for p in pairs], rules, mask_pii=True))
        if pairs is not None
        else [None] * len(texts)
    )
    allowed = [
        i
        for i, (s, p) in enumerate(zip(scans, pair_scans, strict=True))
        if not s.blocked and not (p and p.blocked)
    ]
    by_index = predict_rows(
        loaded,
        {i: texts[i] for i in allowed},
        {i: pairs[i] for i in allowed} if pairs is not None else None,
        batch_size=batch_size,
        progress=progress,
        generation=generation,
    )
    out = []
    for i, (text, scanned, pair_scanned) in enumerate(zip(texts, scans, pair_scans, strict=True)):
        prediction = by_index.get(i)
        if prediction is not None:
            scanned = add_output_hits(scanned, output_hits(prediction, text, rules, loaded.task.name))
        out.append(CheckedPrediction(prediction, scanned, pair_scanned))
    return out


def output_hits(prediction: Prediction, text: str, rules: RuleSet, task: str) -> list[Hit]:
    """The output rules' hits on one prediction.

    Output rules judge a label and its probabilities: a regression value has neither, so none run;
    a multi-label prediction is judged label by label (each predicted label its own check).
    """
    if get_task(task).predicts_value:
        return []
    if isinstance(prediction.label, list):
        seen: dict[tuple[str, int, int, str], Hit] = {}
        for label in prediction.label or [""]:
            for hit in check_output(str(label), prediction.probabilities, text, rules=rules):
                seen.setdefault((hit.rule, hit.start, hit.end, hit.detail), hit)
        return list(seen.values())
    return check_output(str(prediction.label), prediction.probabilities, text, rules=rules)


def predict_rows(
    loaded: Any,
    texts: dict[int, str],
    pairs: dict[int, Any] | None,
    *,
    batch_size: int,
    progress: ProgressCallback,
    generation: Any = None,
) -> dict[int, Any]:
    """The model's predictions for the rows the input rules let through, by row index (none asked
    when every row was blocked)."""
    if not texts:
        return {}
    rows = list(texts)
    predictions = loaded.predict(
        [texts[i] for i in rows],
        [pairs[i] for i in rows] if pairs is not None else None,
        batch_size=batch_size,
        progress=progress,
        **({"generation": generation} if generation is not None else {}),
    )
    return dict(zip(rows, predictions, strict=True))
