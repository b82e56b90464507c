"""Safety both ways for models that generate text (translation).

Input rules run on the source first; a blocked source is never translated. Every span the rules mask
(personal data, secrets) is replaced by a numbered placeholder, so the model never reads a name or
card number; the originals are put back where the model wrote the placeholders. A placeholder the
output lost or repeated routes the row to review with the reason (rule ``output.placeholder``), never
a silent drop. The output rules then judge the translation itself (low confidence, blocked terms); an
output rule that blocks withholds the translation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workbench.inference.checked import CheckedPrediction, predict_rows
from workbench.progress import ProgressCallback
from workbench.safety import Hit, RuleSet, ScanResult, add_output_hits, check_generated
from workbench.safety.placeholders import (
    MaskedSource,
    PlaceholderProblem,
    mask_with_placeholders,
    restore_placeholders,
)
from workbench.tasks import Prediction

PLACEHOLDER_RULE = "output.placeholder"


def generate_checked(
    loaded: Any,
    texts: Sequence[str],
    scans: Sequence[ScanResult],
    *,
    rules: RuleSet,
    batch_size: int,
    progress: ProgressCallback,
    generation: Any,
    style: str,
) -> list[CheckedPrediction]:
    """One checked generation per source text, in order (see the module docstring)."""
    allowed = [i for i, scan in enumerate(scans) if not scan.blocked]
    masked = {i: mask_with_placeholders(texts[i], scans[i], style) for i in allowed}
    by_index = predict_rows(
        loaded,
        {i: masked[i].text for i in allowed},
        None,
        batch_size=batch_size,
        progress=progress,
        generation=generation,
    )
    out = []
    for i, scan in enumerate(scans):
        prediction = by_index.get(i)
        out.append(
            CheckedPrediction(None, scan)
            if prediction is None
            else _checked_output(prediction, masked[i], scan, rules)
        )
    return out


def _checked_output(
    prediction: Prediction, masked: MaskedSource, scan: ScanResult, rules: RuleSet
) -> CheckedPrediction:
    restored = restore_placeholders(str(prediction.label), masked)
    scan = add_output_hits(scan, [placeholder_hit(problem) for problem in restored.problems])
    output = check_generated(restored.text, prediction.score, rules=rules)
    output = ScanResult(
        hits=output.hits,
        masked_text=restored.masked_text,
        blocked=output.blocked,
        block_reason=output.block_reason,
        needs_review=output.needs_review,
    )
    kept = None if output.blocked else Prediction(label=restored.text, score=prediction.score)
    return CheckedPrediction(kept, scan, output_safety=output, model_text=masked.text)


def placeholder_hit(problem: PlaceholderProblem) -> Hit:
    """A lost or repeated placeholder as a review hit on the source, at the span of the value it hid."""
    return Hit(
        rule=PLACEHOLDER_RULE,
        category="output",
        severity="medium",
        action="review",
        start=problem.span[0],
        end=problem.span[1],
        masked_preview=problem.typed,
        detail=problem.message,
    )
