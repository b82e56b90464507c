"""sacreBLEU scores of generated text: corpus BLEU, chrF and TER with their signature strings,
chrF per example and the worst examples.

Figures are only comparable with their signature (tokeniser, smoothing, case, version), so every
report carries it. The tokenisers that fetch sentencepiece models from the internet on first use
(``flores101``, ``flores200``, ``spBLEU-1K``, ``spm``) are refused up front: on an offline machine they
fail deep inside sacreBLEU with a download error.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import SpecError

DEFAULT_TOKENIZE = "13a"
OFFLINE_TOKENIZERS = ("13a", "intl", "char", "zh", "none")
DOWNLOADING_TOKENIZERS = ("flores101", "flores200", "spBLEU-1K", "spm")
WORST_SHOWN = 10
ROUGE_TITLES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}


def check_tokenize(name: str) -> str:
    """``name`` when sacreBLEU can tokenise with it offline, else a ``SpecError`` naming the choices."""
    if name in OFFLINE_TOKENIZERS:
        return name
    choices = ", ".join(OFFLINE_TOKENIZERS)
    if name in DOWNLOADING_TOKENIZERS:
        raise SpecError(
            f"The sacreBLEU tokeniser {name!r} downloads a sentencepiece model on first use, which this "
            f"offline machine cannot do. Use one of: {choices} ('13a' is the standard for BLEU; "
            "'char' or 'zh' for Chinese, 'intl' for scripts with many symbols)."
        )
    raise SpecError(f"Unknown sacreBLEU tokeniser {name!r}. Use one of: {choices}.")


def corpus_scores(
    hypotheses: list[str], references: list[str], tokenize: str = DEFAULT_TOKENIZE
) -> tuple[dict[str, float], dict[str, str]]:
    """``({"bleu", "chrf", "ter"}, {metric: signature})`` of one reference per hypothesis."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    if len(hypotheses) != len(references):
        raise SpecError(
            f"{len(hypotheses)} translations but {len(references)} references: give one reference each."
        )
    refs = [list(references)]
    metrics = {"bleu": BLEU(tokenize=check_tokenize(tokenize)), "chrf": CHRF(), "ter": TER()}
    scores, signatures = {}, {}
    for name, metric in metrics.items():
        scores[name] = round(float(metric.corpus_score(list(hypotheses), refs).score), 4)
        signatures[name] = str(metric.get_signature())
    return scores, signatures


def sentence_chrf(hypotheses: list[str], references: list[str]) -> list[float]:
    """chrF of each hypothesis against its reference (what the worst-examples list is sorted by)."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return [
        round(float(metric.sentence_score(h, [r]).score), 4)
        for h, r in zip(hypotheses, references, strict=True)
    ]


def worst_examples(
    sources: list[str], hypotheses: list[str], references: list[str], rows: list[int], chrf: list[float]
) -> list[dict[str, Any]]:
    """The lowest-chrF examples first (ties in file order), with their row numbers."""
    order = sorted(range(len(chrf)), key=lambda i: (chrf[i], i))[:WORST_SHOWN]
    return [
        {
            "row": rows[i],
            "chrf": chrf[i],
            "source": sources[i],
            "translation": hypotheses[i],
            "reference": references[i],
        }
        for i in order
    ]


def format_translation_report(metrics: dict[str, float], details: dict[str, Any]) -> str:
    """The ``workbench evaluate`` report: scores with signatures, then the worst examples."""
    signatures = details.get("signatures", {})
    lines = [
        f"{name.upper():<5} {metrics[name]:>7.2f}  {signatures.get(name, '')}"
        for name in ("bleu", "chrf", "ter")
    ]
    rouge = [f"{title} {metrics[name]:.2f}" for name, title in ROUGE_TITLES.items() if name in metrics]
    if rouge:
        lines.append("  ".join(rouge) + "  (F-measure x 100, rouge-score, Unicode words, no stemming)")
    worst = details.get("worst", [])
    if worst:
        lines.append(f"\nworst {len(worst)} by chrF:")
        for item in worst:
            lines.append(f"  row {item['row']:<5} chrF {item['chrf']:6.2f}  {item['source']!r}")
            lines.append(f"{'':>13}got      {item['translation']!r}")
            lines.append(f"{'':>13}expected {item['reference']!r}")
    return "\n".join(lines)
