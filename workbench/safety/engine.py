"""Scanning: run the enabled rules over a text, resolve overlaps, mask, and decide block/review.

A rule set is compiled once (detectors built, patterns compiled) and cached for as long as the
``RuleSet`` object lives, so ``scan_batch`` pays only for the scanning itself. Among PII detectors
an overlapping span goes to the stronger evidence (a checksum beats a phone-number shape), so a
valid SSN is reported once, as an SSN.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from workbench.data.encoding import lone_surrogates
from workbench.errors import DataError
from workbench.progress import ProgressCallback, ProgressEvent, no_progress
from workbench.safety.detectors import DETECTORS, Detector, OutputDetector
from workbench.safety.detectors.model import ModelDetector
from workbench.safety.rules import RuleSet, load_rules
from workbench.safety.spec import ACTION_EFFECTS, SEVERITIES, ActionEffect, Hit, Rule, ScanResult

PROGRESS_EVERY = 500


@dataclass(frozen=True)
class _Armed:
    """A rule with its built detector and the facts the scan loop needs without attribute chasing."""

    rule: Rule
    detector: Detector
    placeholder: str
    pii: bool
    priority: int
    effect: ActionEffect


@dataclass(frozen=True)
class CompiledRules:
    """The enabled rules of a rule set, split by stage, ready to run."""

    inputs: tuple[_Armed, ...]
    outputs: tuple[_Armed, ...]
    models: tuple[_Armed, ...] = ()  # model-backed input rules: run after the patterns, batched


_Found = tuple[_Armed, int, int, str, float]  # rule, start, end, detail, confidence
_COMPILED: weakref.WeakKeyDictionary[RuleSet, CompiledRules] = weakref.WeakKeyDictionary()
_COMPILE_LOCK = threading.Lock()  # a server may scan from several threads; build each rule set once


def compile_rules(rules: RuleSet | None = None) -> CompiledRules:
    """Build the detectors of the enabled rules once per rule set (cached while the set lives)."""
    rules = rules if rules is not None else load_rules()
    with _COMPILE_LOCK:
        compiled = _COMPILED.get(rules)
        if compiled is None:
            armed = [_arm(rule) for rule in rules if rule.enabled]
            batched = [a for a in armed if isinstance(a.detector, ModelDetector)]
            compiled = CompiledRules(
                inputs=tuple(a for a in armed if a.detector.stage == "input" and a not in batched),
                outputs=tuple(a for a in armed if a.detector.stage == "output"),
                models=tuple(batched),
            )
            _COMPILED[rules] = compiled
    return compiled


def prepare_rules(rules: RuleSet | None = None) -> CompiledRules:
    """``compile_rules``, and every detector's first-use work done now (``Detector.prepare``): what a server
    runs before its first request, so the first injection it sees is not a second slower."""
    compiled = compile_rules(rules)
    for armed in (*compiled.inputs, *compiled.outputs):
        armed.detector.prepare()
    return compiled


def _arm(rule: Rule) -> _Armed:
    cls = DETECTORS[rule.detector]
    placeholder = rule.placeholder or cls.placeholder
    return _Armed(rule, cls(**rule.params), placeholder, cls.pii, cls.priority, ACTION_EFFECTS[rule.action])


def scan(text: str, *, rules: RuleSet | None = None) -> ScanResult:
    """Which rules ``text`` trips, where, and what was done: the masked text, block and review flags."""
    return _scan_many([text], compile_rules(rules), mask_all_pii=False)[0]


def scan_batch(
    texts: Sequence[str],
    rules: RuleSet | None = None,
    *,
    progress: ProgressCallback = no_progress,
    mask_pii: bool = False,
) -> list[ScanResult]:
    """``scan`` over many texts with the rules compiled once; ``progress`` gets a step every 500 texts.

    ``mask_pii=True`` masks all personal data in ``masked_text`` (as ``mask_text`` does), for exports.
    """
    return _scan_many(texts, compile_rules(rules), mask_all_pii=mask_pii, progress=progress)


def mask_text(text: str, rules: RuleSet | None = None) -> str:
    """``text`` with every piece of personal data or secret replaced by its typed placeholder.

    Masks PII detectors whatever their rule's action (a phone rule set to ``flag`` still must not
    reach training data) plus any rule whose action is ``mask``; nothing else changes.
    """
    return _scan_many([text], compile_rules(rules), mask_all_pii=True)[0].masked_text


def check_output(
    label: str,
    probabilities: Mapping[str, float],
    text: str,
    *,
    rules: RuleSet | None = None,
    variant_label: str | None = None,
) -> list[Hit]:
    """Hits of the output rules for one prediction (low confidence, label keywords, variant disagreement)."""
    hits = []
    for armed in compile_rules(rules).outputs:
        assert isinstance(armed.detector, OutputDetector)
        if armed.detector.generated_only:
            continue
        for found in armed.detector.check(label, probabilities, text, variant_label):
            hits.append(_make_hit(armed, text, found.start, found.end, found.detail, found.confidence))
    return hits


def check_generated(output: str, score: float, *, rules: RuleSet | None = None) -> ScanResult:
    """The output rules judging a generated text (a translation) whose mean token probability is
    ``score``: every hit's span indexes ``output``; block and review decided as for an input."""
    hits = []
    for armed in compile_rules(rules).outputs:
        assert isinstance(armed.detector, OutputDetector)
        for found in armed.detector.check(output, {output: score}, output, None):
            hits.append(_make_hit(armed, output, found.start, found.end, found.detail, found.confidence))
    hits.sort(key=lambda h: (h.start, h.end, h.rule))
    return ScanResult(hits=hits, masked_text=output, **_decisions(hits))


def add_output_hits(result: ScanResult, output_hits: Sequence[Hit]) -> ScanResult:
    """The scan result of an input with the output rules' hits added (block/review recomputed)."""
    hits = sorted([*result.hits, *output_hits], key=lambda h: (h.start, h.end, h.rule))
    return replace(result, hits=hits, **_decisions(hits))


def _scan_many(
    texts: Sequence[str],
    compiled: CompiledRules,
    *,
    mask_all_pii: bool,
    progress: ProgressCallback = no_progress,
) -> list[ScanResult]:
    """Pattern rules text by text, then each model rule once over the texts no pattern rule blocked."""
    texts = [_as_text(text) for text in texts]
    problem = lone_surrogates(texts)
    if problem is not None:  # every path scans first: a clear refusal here, not a crash further on
        raise DataError(problem)
    found: list[list[_Found]] = []
    total = len(texts)
    for index, text in enumerate(texts, start=1):
        found.append(_pattern_found(text, compiled))
        if index % PROGRESS_EVERY == 0 or index == total:
            progress(ProgressEvent("step", step=index, total_steps=total, message="scanning texts"))
    notes: list[list[str]] = [[] for _ in texts]
    if compiled.models:
        open_rows = [i for i, items in enumerate(found) if not any(item[0].effect.blocks for item in items)]
        for armed in compiled.models:
            assert isinstance(armed.detector, ModelDetector)
            answers = armed.detector.find_batch([texts[i] for i in open_rows]) if open_rows else []
            for i, candidates in zip(open_rows, answers, strict=True):
                found[i].extend((armed, c.start, c.end, c.detail, c.confidence) for c in candidates)
                note = armed.detector.note(texts[i])
                if note:
                    notes[i].append(f"{armed.rule.id}: {note}")
    return [
        _assemble(text, items, mask_all_pii=mask_all_pii, notes=tuple(text_notes))
        for text, items, text_notes in zip(texts, found, notes, strict=True)
    ]


def _as_text(text: object) -> str:
    """A missing cell (None/NaN) is an empty text: blocked, not a crash."""
    if isinstance(text, str):
        return text
    return "" if text is None or text != text else str(text)


def _pattern_found(text: str, compiled: CompiledRules) -> list[_Found]:
    found: list[_Found] = []
    for armed in compiled.inputs:
        for candidate in armed.detector.find(text):
            found.append((armed, candidate.start, candidate.end, candidate.detail, candidate.confidence))
    return found


def _assemble(
    text: str, found: list[_Found], *, mask_all_pii: bool, notes: tuple[str, ...] = ()
) -> ScanResult:
    if not found:
        return ScanResult(hits=[], masked_text=text, notes=notes)
    if len(found) > 1:
        found = _resolve_pii_overlaps(found)
    found.sort(key=lambda item: (item[1], item[2], item[0].rule.id))
    hits = [_make_hit(armed, text, start, end, detail, conf) for armed, start, end, detail, conf in found]
    to_mask = [
        (start, end, armed)
        for armed, start, end, _, _ in found
        if armed.effect.masks or (mask_all_pii and armed.pii)
    ]
    masked, spans, sources = _apply_masks(text, to_mask)
    return ScanResult(
        hits=hits,
        masked_text=masked,
        placeholder_spans=spans,
        placeholder_sources=sources,
        notes=notes,
        **_decisions(hits),
    )


def _resolve_pii_overlaps(found: list[_Found]) -> list[_Found]:
    """Keep one PII hit per span: a checked match before a context-only one, then the highest detector
    priority, then the longer match."""
    pii = [item for item in found if item[0].pii]
    if len(pii) < 2:
        return found
    kept: list[_Found] = []
    for item in sorted(pii, key=lambda i: (-i[4], -i[0].priority, i[1] - i[2], i[1])):
        if all(item[2] <= k[1] or item[1] >= k[2] or item[0] is k[0] for k in kept):
            kept.append(item)
    return [item for item in found if not item[0].pii] + kept


def _apply_masks(
    text: str, to_mask: list[tuple[int, int, _Armed]]
) -> tuple[str, tuple[tuple[int, int, str], ...], tuple[tuple[int, int], ...]]:
    """Replace the spans by ``[PLACEHOLDER]``; overlapping spans merge under the first one's placeholder.

    Returns the masked text, each placeholder's span in it, and the span of the original text each
    placeholder hides (so a translation can put the original back in place of a placeholder)."""
    if not to_mask:
        return text, (), ()
    pieces: list[str] = []
    spans: list[tuple[int, int, str]] = []
    sources: list[list[int]] = []
    cursor = 0
    length = 0
    for start, end, armed in sorted(to_mask, key=lambda m: (m[0], -m[1])):
        if start < cursor:  # overlaps the previous mask: already hidden, maybe extend it
            if end > cursor:
                cursor = end
                sources[-1][1] = end
            continue
        pieces.append(text[cursor:start])
        length += start - cursor
        token = f"[{armed.placeholder}]"
        pieces.append(token)
        spans.append((length, length + len(token), armed.rule.id))
        sources.append([start, end])
        length += len(token)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(spans), tuple((s, e) for s, e in sources)


def _decisions(hits: Sequence[Hit]) -> dict[str, object]:
    blocking = sorted(
        (h for h in hits if ACTION_EFFECTS[h.action].blocks), key=lambda h: -SEVERITIES.index(h.severity)
    )
    reason = None
    if blocking:
        reason = "blocked by " + "; ".join(
            f"rule {h.rule} ({h.category}, {h.severity}) at characters {h.start}-{h.end}" for h in blocking
        )
    return {
        "blocked": bool(blocking),
        "block_reason": reason,
        "needs_review": any(ACTION_EFFECTS[h.action].reviews for h in hits),
    }


def _make_hit(armed: _Armed, text: str, start: int, end: int, detail: str, confidence: float = 1.0) -> Hit:
    rule = armed.rule
    return Hit(
        confidence=confidence,
        rule=rule.id,
        category=rule.category,
        severity=rule.severity,
        action=rule.action,
        start=start,
        end=end,
        masked_preview=(
            f"[whole text, {len(text)} chars]"
            if start == 0 and end == len(text) and text
            else masked_preview(text[start:end], armed.placeholder, sensitive=armed.pii or armed.effect.masks)
        ),
        detail=detail,
    )


def masked_preview(raw: str, placeholder: str, *, sensitive: bool) -> str:
    """What logs may show of a match: a typed placeholder for personal data, otherwise a hint
    (first and last two characters, or the code points of invisible characters)."""
    if sensitive:
        return f"[{placeholder}]"
    unseen = [] if raw.isprintable() else [ch for ch in raw if not (ch.isprintable() or ch.isspace())]
    if unseen and len(unseen) < len(raw) and raw.strip():  # invisible characters strewn among letters
        counts = Counter(f"U+{ord(ch):04X}" for ch in unseen).most_common()
        shown = ", ".join(f"{point} x{count:,}" if count > 1 else point for point, count in counts[:3])
        return f"{shown}{' ...' if len(counts) > 3 else ''} among {len(raw):,} chars"
    if not raw.strip() or unseen:
        shown = " ".join(f"U+{ord(ch):04X}" for ch in raw[:4])
        return shown + (" ..." if len(raw) > 4 else "") if raw else "[empty]"
    if len(raw) <= 6:
        return "*" * len(raw)
    head, tail = (
        "".join(" " if ch.isspace() else ch for ch in end) for end in (raw[:2], raw[-2:])
    )  # one line
    return f"{head}{'*' * min(len(raw) - 4, 12)}{tail} ({len(raw)} chars)"
