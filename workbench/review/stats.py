"""Review progress and how far analysts agree with the suggestions.

Texts the safety rules blocked got no suggestion: they count toward progress, not toward agreement.

Agreement tells a team whether the suggester (model or zero-shot) can be trusted yet: overall, per
label (how often a suggestion of that label was kept, and how many of the analysts' labels it found),
which corrections are most common, and Cohen's kappa, which discounts agreement expected by chance.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pandas as pd

from workbench.review import store

MIN_KAPPA_ITEMS = 10
REVIEWED = ("accepted", "corrected")


def queue_stats(name: str) -> dict[str, Any]:
    """Progress (N of M), accept/correct counts, per-label agreement and kappa for one queue."""
    with store.connect() as conn:
        meta = store.queue_meta(store.require_queue(conn, name))
        items = store.fetch_items(conn, name)
        extra = {"entities": entity_counts(conn, name)} if meta.get("kind") == "entities" else {}
    return {
        "name": name,
        "suggested_by": meta["suggested_by"],
        **compute_stats(items, meta["labels"]),
        **extra,
    }


def entity_counts(conn: Any, name: str) -> dict[str, int]:
    """Over the reviewed texts of an entity queue: the model's entities kept as they were, retyped and
    deleted, and the entities reviewers added (how far the NER model can be trusted)."""
    import json

    counts = {"suggested": 0, "kept": 0, "retyped": 0, "deleted": 0, "added": 0}
    rows = conn.execute(
        "SELECT entities, reviewed_entities FROM items WHERE queue = ? AND status IN ('accepted', 'corrected')",
        (name,),
    )
    for suggested, reviewed in rows:
        before = {(e["start"], e["end"]): e["label"] for e in json.loads(suggested or "[]")}
        after = {(e["start"], e["end"]): e["label"] for e in json.loads(reviewed or "[]")}
        counts["suggested"] += len(before)
        counts["kept"] += sum(after.get(span) == label for span, label in before.items())
        counts["retyped"] += sum(span in after and after[span] != label for span, label in before.items())
        counts["deleted"] += sum(span not in after for span in before)
        counts["added"] += sum(span not in before for span in after)
    return counts


def compute_stats(items: pd.DataFrame, labels: list[str]) -> dict[str, Any]:
    """The numbers behind the Review page's progress bar and agreement table (plain JSON types)."""
    counts = Counter(items["status"].tolist())
    reviewed = items[items["status"].isin(REVIEWED)]
    blocked = items["blocked"].astype(bool) if "blocked" in items else pd.Series(False, index=items.index)
    judged = reviewed[~blocked[reviewed.index]]  # blocked texts had no suggestion to agree with
    suggested, gold = judged["suggested_label"].tolist(), judged["gold_label"].tolist()
    total, n = len(items), len(reviewed)
    kappa, kappa_note = _kappa(suggested, gold, labels)
    return {
        "total": total,
        "reviewed": n,
        "pending": counts.get("pending", 0),
        "skipped": counts.get("skipped", 0),
        "accepted": counts.get("accepted", 0),
        "corrected": counts.get("corrected", 0),
        "progress_text": f"{n} of {total} reviewed",
        "fraction_reviewed": _ratio(n, total),
        "agreement": _ratio(counts.get("accepted", 0), len(judged)),
        "blocked": int(blocked.sum()),
        "per_label": per_label_agreement(suggested, gold, labels),
        "corrections": [
            {"suggested": s, "corrected_to": g, "count": c}
            for (s, g), c in Counter(
                (s, g) for s, g in zip(suggested, gold, strict=True) if s != g
            ).most_common()
        ],
        "kappa": kappa,
        "kappa_note": kappa_note,
        "reviewers": dict(Counter(reviewed["reviewer"].tolist()).most_common()),
    }


def per_label_agreement(suggested: list[str], gold: list[str], labels: list[str]) -> list[dict[str, Any]]:
    """Per label: suggested (times it was suggested on reviewed items), kept (suggestion accepted),
    gold (times analysts chose it), precision = kept / suggested, recall = kept / gold."""
    rows = []
    for label in labels:
        n_suggested = sum(s == label for s in suggested)
        n_gold = sum(g == label for g in gold)
        kept = sum(s == g == label for s, g in zip(suggested, gold, strict=True))
        rows.append(
            {
                "label": label,
                "suggested": n_suggested,
                "kept": kept,
                "gold": n_gold,
                "precision": _ratio(kept, n_suggested),
                "recall": _ratio(kept, n_gold),
            }
        )
    return rows


def _kappa(suggested: list[str], gold: list[str], labels: list[str]) -> tuple[float | None, str]:
    """Cohen's kappa between suggester and analysts, or None with the reason when it means nothing."""
    if len(gold) < MIN_KAPPA_ITEMS:
        return None, f"kappa needs at least {MIN_KAPPA_ITEMS} reviewed items (have {len(gold)})"
    if len(set(suggested) | set(gold)) < 2:
        return None, "kappa is undefined when every suggestion and every decision is the same label"
    from sklearn.metrics import cohen_kappa_score

    value = float(cohen_kappa_score(suggested, gold, labels=labels))
    if math.isnan(value):
        return None, "kappa is undefined for these decisions (chance agreement is 100%)"
    return round(value, 4), f"Cohen's kappa over {len(gold)} reviewed items"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
