"""How much of a text a tokenizer can spell: a model whose vocabulary lacks a text's script (Chinese for
an English WordPiece model) sees it as a run of ``[UNK]``. Light on purpose (no pandas): the safety rules
use it on every scan."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

BATCH = 1000
# A text with more of its tokens unknown ([UNK]) than this is one the model cannot read: English and
# German texts of the injection evaluation are under 0.1 unless full of emoji (up to 0.31), Chinese for
# all-MiniLM around 0.65.
UNREADABLE_SHARE = 0.3


def unknown_shares(tokenizer: Any, texts: Sequence[str], max_chars: int = 2048) -> list[float]:
    """Per text, the share of its tokens that are the tokenizer's unknown token: 0 for a tokenizer without
    one (byte-level BPE spells any text), about 0.65 for Chinese in an English WordPiece vocabulary."""
    unk = getattr(tokenizer, "unk_token_id", None)
    if unk is None or not texts:
        return [0.0] * len(texts)
    shares: list[float] = []
    for start in range(0, len(texts), BATCH):
        batch = [text[:max_chars] for text in texts[start : start + BATCH]]
        ids = tokenizer(batch, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        shares.extend(sum(i == unk for i in row) / len(row) if row else 0.0 for row in ids)
    return shares


# The part of a mostly unreadable text a model can still read: runs of at least READABLE_MIN_RUN words
# it knows, where up to READABLE_MAX_GAP unreadable words may sit between two of them (an English order
# with a Chinese word or an emoji after each of its words is still one run), and only when the runs
# hold READABLE_MIN_WORDS words in all. Chosen on the Chinese dev part of the injection evaluation:
# product names and code in Chinese reviews and role prompts rarely make such runs, an English
# injection padded with Chinese or emoji does.
def known_word_share(tokenizer: Any, words: Sequence[str]) -> float:
    """The share of ``words`` that are each one token of the tokenizer's vocabulary (not its unknown
    token): about 0.9 for English words in an English WordPiece vocabulary, under 0.2 for the fragments of
    a random key ("qxz", "dvepk"), which it spells in several pieces; 0 for no words."""
    if not words:
        return 0.0
    unk = getattr(tokenizer, "unk_token_id", None)
    pieces = tokenizer(list(words), add_special_tokens=False, verbose=False)["input_ids"]
    return sum(len(ids) == 1 and ids[0] != unk for ids in pieces) / len(words)


READABLE_MIN_RUN = 3
READABLE_MAX_GAP = 4
READABLE_MIN_WORDS = 8


def _word_spans(tokenizer: Any, text: str) -> list[tuple[int, int, bool]] | None:
    """``(start, end, unreadable)`` per word of ``text``, or None when the tokenizer has no unknown token
    or gives no word boundaries (a slow tokenizer). A word is unreadable when it has an unknown token or
    is a single non-ASCII character (one of the 244 Chinese characters in all-MiniLM's vocabulary is not
    Chinese it reads)."""
    unk = getattr(tokenizer, "unk_token_id", None)
    if unk is None or not getattr(tokenizer, "is_fast", False):
        return None
    encoding = tokenizer(
        text, add_special_tokens=False, truncation=False, return_offsets_mapping=True, verbose=False
    )
    spans: dict[int, list[int]] = {}  # word index -> [start, end, has unknown]
    for word, token, (start, end) in zip(
        encoding.word_ids(), encoding["input_ids"], encoding["offset_mapping"], strict=True
    ):
        if word is None:
            continue
        span = spans.setdefault(word, [start, end, 0])
        span[1] = max(span[1], end)
        span[2] |= token == unk
    return [
        (start, end, bool(unknown) or (end - start == 1 and not text[start:end].isascii()))
        for start, end, unknown in spans.values()
    ]


def _joined(text: str, words: Sequence[tuple[int, int]]) -> str:
    """The ``words`` (spans of ``text``) as they stood: touching ones together (``"don't"``), others with
    one space."""
    pieces = [text[words[0][0] : words[0][1]]] if words else []
    for (_, end_before), (start, end) in pairwise(words):
        pieces.append(("" if start == end_before else " ") + text[start:end])
    return "".join(pieces)


def without_unreadable(tokenizer: Any, text: str, max_chars: int = 2048) -> str:
    """``text`` without the words the tokenizer cannot read (see ``_word_spans``): what a model judges of
    a text it can mostly read, so an emoji or a Chinese word after every word does not turn into a run
    of ``[UNK]`` between the words it reads. The text as it is when it has no such word."""
    spans = _word_spans(tokenizer, text[:max_chars])
    if not spans or not any(unreadable for _, _, unreadable in spans):
        return text
    kept = [(start, end) for start, end, unreadable in spans if not unreadable]
    return _joined(text, kept) or text


def readable_part(tokenizer: Any, text: str, max_chars: int = 2048) -> tuple[int, str]:
    """``(words, part)``: the words of ``text`` the tokenizer can spell, in runs (see above), joined as
    they stood (``"don't"`` stays one piece); ``(0, "")`` when they are too few or the tokenizer gives
    no word boundaries (a slow tokenizer). A word it cannot read has an unknown token, or is a single
    non-ASCII character (one of the 244 Chinese characters in all-MiniLM's vocabulary is not Chinese it
    reads)."""
    text = text[:max_chars]
    spans = _word_spans(tokenizer, text)
    if spans is None:
        return 0, ""
    runs: list[list[tuple[int, int]]] = [[]]
    gap = 0
    for start, end, unreadable in spans:
        if unreadable:
            gap += 1
            if gap > READABLE_MAX_GAP and runs[-1]:
                runs.append([])
            continue
        gap = 0
        runs[-1].append((start, end))
    kept: list[str] = []
    words = 0
    for run in runs:
        count = sum(len(text[s:e]) >= 2 and any(c.isalpha() for c in text[s:e]) for s, e in run)
        if count < READABLE_MIN_RUN:
            continue
        words += count
        kept.append(_joined(text, run))
    return (words, " ".join(kept)) if words >= READABLE_MIN_WORDS else (0, "")


def token_windows(
    tokenizer: Any, text: str, size: int, overlap: int, max_windows: int
) -> tuple[list[tuple[int, int]], int]:
    """``(spans, tokens)``: character spans of ``text`` that hold ``size`` tokens each, one after the
    other with ``overlap`` tokens in common, so a model that reads ``size`` tokens at a time reads all of
    the text; ``tokens`` is the text's length in tokens. One span, the whole text, when it fits (or the
    tokenizer gives no offsets: a slow one) or ``max_windows`` is 1 (the model then reads the start).
    Past ``max_windows`` windows, the first ``max_windows - 1`` and the last: an order hidden at the end
    of a long text is read, its middle is not."""
    whole = [(0, len(text))]
    if len(text.encode("utf-8")) <= size:  # no tokenizer makes more tokens than a text has bytes
        return whole, -1
    if not getattr(tokenizer, "is_fast", False):
        return whole, -1
    offsets = [
        (start, end)
        for start, end in tokenizer(
            text, add_special_tokens=False, truncation=False, return_offsets_mapping=True, verbose=False
        )["offset_mapping"]
        if end > start
    ]
    if len(offsets) <= size or max_windows <= 1:
        return whole, len(offsets)
    step = max(1, size - overlap)
    starts = [*range(0, len(offsets) - size, step), len(offsets) - size]  # the last ends at the end
    if len(starts) > max_windows:
        starts = [*starts[: max_windows - 1], starts[-1]]
    spans = [(offsets[first][0], offsets[first + size - 1][1]) for first in starts]
    return spans, len(offsets)


# A run of key characters (letters, digits, + / = _ -) that changes between digits and letters, or from a
# small letter to a capital, at least once every four characters: a random key, a base64 or hex blob, a
# hash. Chosen on the injection evaluation's dev side: 383 of the 385 such runs in 400 random keys
# (``benchmarks/safety_obfuscation.py``) and 3 of about 500 runs of 16 characters or more in its texts
# (a Reddit link, a hash and a short link), none of the German compounds, hyphenated phrases or
# CamelCase hashtags ("20ThingsIWantFor2015" changes once every five characters).
_KEY_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{16,}(?![A-Za-z0-9+/=_-])")
KEY_SWITCH_RATE = 0.25


def _kind(char: str) -> str:
    return "d" if char.isdigit() else "u" if char.isupper() else "l"


def looks_like_key(run: str) -> bool:
    """Whether ``run`` (letters, digits and + / = _ -) reads as random: it switches between digits and
    letters, or from a small letter to a capital, at least once every four characters (``KEY_SWITCH_RATE``;
    the other characters are skipped)."""
    kinds = [_kind(char) for char in run if char.isalnum()]
    if len(kinds) < 2:
        return False
    switches = sum((a == "d") != (b == "d") or (a == "l" and b == "u") for a, b in pairwise(kinds))
    return switches / (len(kinds) - 1) >= KEY_SWITCH_RATE


def without_keys(text: str) -> str:
    """``text`` without the random keys, base64 or hex blobs and hashes in it (``looks_like_key``, runs of
    16 characters or more): what a model judges, since a classifier reads a key's fragments as it pleases
    (an English injection classifier called 48 of 400 benign sentences holding one an attack). A payload
    that decodes to text is read through the views (``workbench.safety.normalize``), not as the blob."""
    if len(text) < 16:
        return text
    return _KEY_RUN.sub(lambda run: "" if looks_like_key(run.group()) else run.group(), text)
