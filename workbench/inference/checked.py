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

from workbench.progress import ProgressCallback, no_progress
from workbench.safety import Hit, RuleSet, ScanResult, add_output_hits, check_output, scan_batch
from workbench.tasks import Prediction, get_task

PAIR_FIELD = "text_pair"


@dataclass(frozen=True)
class CheckedPrediction:
    """One text's prediction with the rules' verdict. ``prediction`` is None when the text is blocked.

    ``safety`` holds the hits on the text (input and output rules; spans index the text) and
    ``masked_text`` with *all* personal data masked; ``pair_safety`` the same for the second text.
    """

    prediction: Prediction | None
    safety: ScanResult
    pair_safety: ScanResult | None = None

    @property
    def blocked(self) -> bool:
        return self.safety.blocked or bool(self.pair_safety and self.pair_safety.blocked)

    @property
    def block_reason(self) -> str | None:
        reasons = [self.safety.block_reason] if self.safety.blocked else []
        if self.pair_safety is not None and self.pair_safety.blocked:
            reasons.append(f"second text {self.pair_safety.block_reason}")
        return "; ".join(r for r in reasons if r) or None

    @property
    def needs_review(self) -> bool:
        return self.safety.needs_review or bool(self.pair_safety and self.pair_safety.needs_review)

    @property
    def hits(self) -> list[Hit]:
        """Hits on the text, then hits on the second text (their spans index that text)."""
        return [*self.safety.hits, *(self.pair_safety.hits if self.pair_safety else [])]

    def rule_ids(self) -> list[str]:
        """The rules that fired, each once, in the order of their first hit."""
        return list(dict.fromkeys(hit.rule for hit in self.hits))

    def hit_records(self) -> list[dict[str, Any]]:
        """Every hit as a prediction log may keep it: spans and masked previews, never the raw match."""
        records = [{**hit.to_log_dict(), "field": "text"} for hit in self.safety.hits]
        if self.pair_safety is not None:
            records += [{**hit.to_log_dict(), "field": PAIR_FIELD} for hit in self.pair_safety.hits]
        return records


def predict_checked(
    loaded: Any,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    *,
    rules: RuleSet,
    batch_size: int = 32,
    progress: ProgressCallback = no_progress,
    generation: Any = None,
) -> list[CheckedPrediction]:
    """Scan, predict what is not blocked, apply the output rules; one result per text, in order.
    ``generation`` (a ``GenerationSpec``) sets how a seq2seq model generates."""
    texts = ["" if t is None else str(t) for t in texts]
    scans = scan_batch(texts, rules, mask_pii=True)
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
    predictions = (
        loaded.predict(
            [texts[i] for i in allowed],
            [pairs[i] for i in allowed] if pairs is not None else None,
            batch_size=batch_size,
            progress=progress,
            **({"generation": generation} if generation is not None else {}),
        )
        if allowed
        else []
    )
    by_index = dict(zip(allowed, predictions, strict=True))
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
