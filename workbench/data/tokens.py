"""How much of a text a tokenizer can spell: a model whose vocabulary lacks a text's script (Chinese for
an English WordPiece model) sees it as a run of ``[UNK]``. Light on purpose (no pandas): the safety rules
use it on every scan."""

from __future__ import annotations

from collections.abc import Sequence
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
