"""ROUGE of generated text (summarisation) through the ``rouge-score`` package, the implementation the
summarisation papers report, without the ``evaluate`` library.

``rouge-score``'s own tokeniser keeps only ``a-z0-9`` and so scores every non-English text as empty;
words are split here on Unicode word characters instead (lower-cased, no stemming), so German or
Chinese-with-spaces summaries score as they read. Scores are F-measures x 100, like sacreBLEU's.
"""

from __future__ import annotations

import re

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
WORD = re.compile(r"\w+", re.UNICODE)


class _UnicodeWords:
    """The tokeniser interface ``RougeScorer`` asks for: ``tokenize(text) -> list[str]``."""

    def tokenize(self, text: str) -> list[str]:
        return WORD.findall(text.lower())


def rouge_scores(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2 and ROUGE-L F-measure (x 100) of one reference per hypothesis."""
    from rouge_score.rouge_scorer import RougeScorer

    if not hypotheses:
        return dict.fromkeys(ROUGE_TYPES, 0.0)
    scorer = RougeScorer(list(ROUGE_TYPES), tokenizer=_UnicodeWords())
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        for name, score in scorer.score(reference, hypothesis).items():
            totals[name] += score.fmeasure
    return {name: round(100 * total / len(hypotheses), 4) for name, total in totals.items()}
