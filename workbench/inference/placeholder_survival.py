"""How often numbered placeholders survive a model: the number behind the placeholder round trip.

Each text is scanned, its personal data replaced by placeholders of one style, the masked text
tokenised and decoded (does the tokeniser alone keep the placeholder?) and translated (does the
model copy it?). A placeholder *survives* when it comes back exactly once; a text is *intact* when all
of its placeholders survive. ``benchmarks/seq2seq_placeholders.py`` prints these per style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.errors import DataError
from workbench.progress import ProgressCallback, no_progress
from workbench.safety import RuleSet, scan_batch
from workbench.safety.placeholders import mask_with_placeholders, placeholder_style, restore_placeholders


@dataclass(frozen=True)
class SurvivalReport:
    """Counts for one placeholder style on one model and set of texts."""

    style: str
    texts: int
    placeholders: int
    tokenizer_kept: int
    model_kept: int
    intact_texts: int

    def rate(self, kept: int, total: int) -> float:
        return kept / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "style": self.style,
            "texts": self.texts,
            "placeholders": self.placeholders,
            "tokenizer_survival": round(self.rate(self.tokenizer_kept, self.placeholders), 4),
            "model_survival": round(self.rate(self.model_kept, self.placeholders), 4),
            "intact_texts": round(self.rate(self.intact_texts, self.texts), 4),
        }


def measure_placeholder_survival(
    loaded: Any,
    texts: Sequence[str],
    style: str,
    *,
    rules: RuleSet,
    generation: Any = None,
    batch_size: int = 16,
    progress: ProgressCallback = no_progress,
) -> SurvivalReport:
    """Survival of ``style`` placeholders through ``loaded``'s tokenizer and model on the texts that
    hold personal data the rules mask (the others are skipped)."""
    scans = scan_batch(list(texts), rules, mask_pii=True)
    masked = [
        mask_with_placeholders(text, scan, placeholder_style(style))
        for text, scan in zip(texts, scans, strict=True)
        if scan.placeholder_sources and not scan.blocked
    ]
    if not masked:
        raise DataError(
            "None of the texts holds personal data the safety rules mask, so there is no placeholder to "
            "follow: use texts with e-mail addresses, phone or card numbers."
        )
    ids = loaded.tokenizer([m.text for m in masked], truncation=True)["input_ids"]
    decoded = loaded.tokenizer.batch_decode(ids, skip_special_tokens=True)
    outputs = loaded.predict(
        [m.text for m in masked],
        None,
        batch_size=batch_size,
        progress=progress,
        **({"generation": generation} if generation is not None else {}),
    )
    placeholders = sum(len(m.values) for m in masked)
    lost_in_tokenizer = sum(
        len(restore_placeholders(d, m).problems) for d, m in zip(decoded, masked, strict=True)
    )
    problems = [
        len(restore_placeholders(str(p.label), m).problems) for p, m in zip(outputs, masked, strict=True)
    ]
    return SurvivalReport(
        style=style,
        texts=len(masked),
        placeholders=placeholders,
        tokenizer_kept=placeholders - lost_in_tokenizer,
        model_kept=placeholders - sum(problems),
        intact_texts=sum(1 for n in problems if n == 0),
    )
