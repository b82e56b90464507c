"""Named-entity metrics: the CoNLL report.

Entity level (seqeval): an entity counts as found only when its span and type both match exactly;
precision/recall/F1 per type with micro, macro and weighted averages. ``f1`` follows seqeval's default
(conlleval) reading, where an ``I-`` after ``O`` opens an entity, as the Hugging Face model cards
report it; ``f1_strict`` is seqeval's strict IOB2 mode (such an entity does not count). Token level
(scikit-learn): the per-tag table of ``classification_report``. Then what a person fixes next: the
entity-type confusion (right span, wrong type) and the most frequent missed and spurious entities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from workbench.data.tagging import entities_of

AVERAGES = ("micro avg", "macro avg", "weighted avg")
TOP_ERRORS = 10


def ner_metrics(
    gold: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[str]],
    words: Sequence[Sequence[str]] | None = None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Headline numbers and the report's tables for IOB2 tag sequences (one list per sentence)."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    gold_l, pred_l = [list(s) for s in gold], [list(s) for s in predicted]
    entity = _floats(classification_report(gold_l, pred_l, output_dict=True, zero_division=0))
    strict = _floats(
        classification_report(gold_l, pred_l, output_dict=True, zero_division=0, mode="strict", scheme=IOB2)
    )
    micro = entity.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    token = token_report(gold_l, pred_l)
    metrics = {
        "f1": micro["f1-score"],
        "precision": micro["precision"],
        "recall": micro["recall"],
        "f1_macro": entity.get("macro avg", {}).get("f1-score", 0.0),
        "f1_strict": strict.get("micro avg", {}).get("f1-score", 0.0),
        "token_accuracy": token.pop("accuracy", {}).get("f1-score", 0.0),
    }
    details: dict[str, Any] = {"entity_report": entity, "token_report": token}
    if words is not None:
        details.update(entity_errors(gold_l, pred_l, words))
    return metrics, details


def _floats(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {name: {k: float(v) for k, v in row.items()} for name, row in report.items()}


def token_report(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, dict[str, float]]:
    """Per-tag precision/recall/F1/support over every word, plus micro/macro/weighted averages."""
    from sklearn.metrics import classification_report, precision_recall_fscore_support

    flat_gold = [t for s in gold for t in s]
    flat_pred = [t for s in predicted for t in s]
    tags = sorted(set(flat_gold) | set(flat_pred), key=lambda t: (t == "O", t[2:], t))
    report = classification_report(flat_gold, flat_pred, labels=tags, output_dict=True, zero_division=0)
    out = {tag: {k: float(v) for k, v in report[tag].items()} for tag in tags}
    p, r, f, _ = precision_recall_fscore_support(
        flat_gold, flat_pred, labels=tags, average="micro", zero_division=0
    )
    out["micro avg"] = {
        "precision": float(p),
        "recall": float(r),
        "f1-score": float(f),
        "support": float(len(flat_gold)),
    }
    for name in ("macro avg", "weighted avg"):
        out[name] = {k: float(v) for k, v in report[name].items()}
    correct = sum(g == p for g, p in zip(flat_gold, flat_pred, strict=True))
    out["accuracy"] = {"f1-score": correct / len(flat_gold) if flat_gold else 0.0}
    return out


def entity_errors(
    gold: list[list[str]], predicted: list[list[str]], words: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Right span with the wrong type (gold type → predicted type), and the entity texts most often
    missed (gold, not predicted exactly) or spurious (predicted, not in gold)."""
    confusion: Counter[tuple[str, str]] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    spurious: Counter[tuple[str, str]] = Counter()
    for gold_tags, pred_tags, sentence in zip(gold, predicted, words, strict=True):
        gold_set = {(e.start, e.end, e.label) for e in entities_of(gold_tags)}
        pred_set = {(e.start, e.end, e.label) for e in entities_of(pred_tags)}
        pred_spans = {(s, e): label for s, e, label in pred_set}
        for start, end, label in gold_set - pred_set:
            missed[(" ".join(sentence[start:end]), label)] += 1
            if (start, end) in pred_spans:
                confusion[(label, pred_spans[(start, end)])] += 1
        for start, end, label in pred_set - gold_set:
            spurious[(" ".join(sentence[start:end]), label)] += 1
    return {
        "type_confusion": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusion.most_common()],
        "missed": [{"text": t, "label": lab, "count": n} for (t, lab), n in missed.most_common(TOP_ERRORS)],
        "spurious": [
            {"text": t, "label": lab, "count": n} for (t, lab), n in spurious.most_common(TOP_ERRORS)
        ],
    }


def format_table(title: str, table: dict[str, dict[str, float]]) -> list[str]:
    """One table in ``classification_report``'s layout."""
    rows = [name for name in table if name not in AVERAGES]
    width = max([len(title), *(len(n) for n in table)])
    lines = [f"{title:>{width}}  {'precision':>9} {'recall':>9} {'f1-score':>9} {'support':>9}", ""]
    for name in [*rows, "", *[a for a in AVERAGES if a in table]]:
        if not name:
            lines.append("")
            continue
        row = table[name]
        lines.append(
            f"{name:>{width}}  {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1-score']:>9.4f} "
            f"{int(row['support']):>9d}"
        )
    return lines


def format_conll_report(metrics: dict[str, float], details: dict[str, Any]) -> str:
    """The CoNLL report as ``workbench evaluate`` prints it."""
    lines = [
        f"entity-level (seqeval, exact span and type): precision {metrics['precision']:.4f}  "
        f"recall {metrics['recall']:.4f}  F1 {metrics['f1']:.4f}  (strict IOB2 F1 {metrics['f1_strict']:.4f})",
        "",
        *format_table("entity", details.get("entity_report", {})),
        "",
        f"token-level (every word; accuracy {metrics['token_accuracy']:.4f}):",
        "",
        *format_table("tag", details.get("token_report", {})),
    ]
    confusion = details.get("type_confusion") or []
    if confusion:
        lines += ["", "right span, wrong type (gold -> predicted):"]
        lines += [f"  {c['gold']} -> {c['predicted']}: {c['count']}" for c in confusion]
    for key, title in (
        ("missed", "most frequent missed entities"),
        ("spurious", "most frequent spurious entities"),
    ):
        if details.get(key):
            lines += ["", f"{title}:"]
            lines += [f"  {e['count']:>3}  {e['text']!r} ({e['label']})" for e in details[key]]
    return "\n".join(lines)
