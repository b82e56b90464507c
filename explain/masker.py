"""shap's Text masker, made cheap to evaluate: token-id rows instead of strings, content tokens only.

The stock ``shap.maskers.Text`` joins the surviving token strings and the prediction function must
tokenize every masked string again; it also treats ``[CLS]``/``[SEP]`` as features that can never be
hidden, so the Partition tree spends about half its evaluations on masks identical to ones already
seen. Here the unmasked text is tokenized once (with the model's truncation and, for sentence pairs,
its pair template); the features are the content tokens only; a masked input is the id row with the
hidden positions set to ``MASKED``, which the prediction function turns into tensors directly.
The clustering is shap's own ``partition_tree`` per text (a pair's two texts split first), so the
``Explanation`` built from it is the ordinary one (``shap.plots.text`` works on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shap
from shap.maskers._text import partition_tree

MASKED = -1
PAIR_MARK = "\ue000"  # private-use character joining a text and its pair into one shap input
_SPACE_END = re.compile(r"^.*\W$")
_LETTER_START = re.compile(r"^[A-Za-z]")


def join_pair(text: str, pair: str | None) -> str:
    """One string per input for shap; the masker splits it again at ``PAIR_MARK``."""
    text = text.replace(PAIR_MARK, "")
    return text if pair is None else f"{text}{PAIR_MARK}{pair.replace(PAIR_MARK, '')}"


def split_pair(joined: str) -> tuple[str, str | None]:
    text, mark, pair = joined.partition(PAIR_MARK)
    return text, (pair if mark else None)


@dataclass
class Encoding:
    """The unmasked input of one text: what every masked row is derived from."""

    ids: np.ndarray  # all token ids, special tokens included
    content: np.ndarray  # positions (into ids) of the maskable tokens = the explained features
    segments: list[str]  # substring per content token (with trailing whitespace), for display
    sequence: np.ndarray  # 0 = text, 1 = pair, per content token
    full_length: int  # tokens before truncation
    explained_chars: tuple[int, int]  # (chars of the text covered, of the pair covered)
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # token_type_ids and the like

    @property
    def truncated(self) -> bool:
        return self.full_length > len(self.ids)


class TokenIdTextMasker(shap.maskers.Text):
    """A ``shap.maskers.Text`` over content tokens whose masked samples are token-id rows."""

    def __init__(self, tokenizer: Any, max_length: int) -> None:
        super().__init__(tokenizer, output_type="token_ids")
        self.max_length = max_length
        self.encoding: Encoding | None = None
        self._encodings: dict[str, Encoding] = {}

    def encode(self, joined: str) -> Encoding:
        """Tokenize once per text (kept for the texts of the current batch)."""
        if joined not in self._encodings:
            if len(self._encodings) >= 256:
                self._encodings.clear()
            self._encodings[joined] = encode_text(self.tokenizer, joined, self.max_length)
        return self._encodings[joined]

    def _update_s_cache(self, s: str) -> None:
        if self._s != s:
            self._s = s
            self.encoding = self.encode(s)
            self._tokenized_s = self.encoding.ids[self.encoding.content]
            self._segments_s = np.array(self.encoding.segments, dtype=object)

    def __call__(self, mask: Any, s: str) -> tuple[np.ndarray]:
        mask = self._standardize_mask(mask, s)
        self._update_s_cache(s)
        row = self.encoding.ids.copy()
        row[self.encoding.content[~mask]] = MASKED
        return (row[None, :],)

    def token_segments(self, s: str) -> tuple[list[str], list[int]]:
        encoding = self.encode(s)
        return list(encoding.segments), encoding.ids[encoding.content].tolist()

    def invariants(self, s: str) -> np.ndarray:
        self._update_s_cache(s)
        return np.zeros((1, len(self.encoding.content)), dtype=bool)

    def clustering(self, s: str) -> np.ndarray:
        """shap's sentence-structure tree per text; a pair's two texts are joined at the root."""
        self._update_s_cache(s)
        enc = self.encoding
        parts = [[seg for seg, q in zip(enc.segments, enc.sequence, strict=True) if q == p] for p in (0, 1)]
        if not parts[0] or not parts[1]:
            return _text_tree(parts[0] or parts[1])
        return _join_trees(_text_tree(parts[0]), len(parts[0]), _text_tree(parts[1]), len(parts[1]))


def encode_text(tokenizer: Any, joined: str, max_length: int) -> Encoding:
    text, pair = split_pair(joined)
    args = (text,) if pair is None else (text, pair)
    enc = tokenizer(
        *args,
        truncation=True,
        max_length=max_length,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    full_length = len(tokenizer(*args, truncation=False)["input_ids"])
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    special = np.asarray(enc["special_tokens_mask"], dtype=bool)
    sequence_ids = enc.sequence_ids()
    offsets = enc["offset_mapping"]
    content = np.array(
        [i for i in range(len(ids)) if not special[i] and sequence_ids[i] is not None], dtype=int
    )
    parts = [text, pair or ""]
    segments = []
    for n, i in enumerate(content):
        seq, (start, end) = sequence_ids[i], offsets[i]
        nxt = (
            offsets[content[n + 1]][0]
            if n + 1 < len(content) and sequence_ids[content[n + 1]] == seq
            else end
        )
        segment = parts[seq][start : max(end, nxt)]
        if seq == 1 and (n == 0 or sequence_ids[content[n - 1]] == 0):
            segment = f" {getattr(tokenizer, 'sep_token', None) or '|'} {segment}"
        segments.append(segment)
    covered = [max((offsets[i][1] for i in content if sequence_ids[i] == q), default=0) for q in (0, 1)]
    extra = {"token_type_ids": np.asarray(enc["token_type_ids"])} if "token_type_ids" in enc else {}
    sequence = np.array([sequence_ids[i] for i in content], dtype=int)
    return Encoding(ids, content, segments, sequence, full_length, (covered[0], covered[1]), extra)


def _text_tree(segments: list[str]) -> np.ndarray:
    """shap's ``Text.clustering`` for one text: word pieces join first, then phrases, then clauses."""
    if len(segments) < 2:
        return np.zeros((0, 4))
    tokens: list[str] = []
    for i, v in enumerate(segments):
        glued = (
            i > 0
            and _SPACE_END.match(segments[i - 1]) is None
            and _LETTER_START.match(v) is not None
            and tokens[i - 1] != ""
        )
        tokens.append("##" + v.strip() if glued else v.strip())
    tree = partition_tree(tokens, [])
    tree[:, 2] = tree[:, 3] / tree[:, 3].max()
    return tree


def _join_trees(left: np.ndarray, n_left: int, right: np.ndarray, n_right: int) -> np.ndarray:
    """Linkage of two token sequences side by side, merged last (text | pair)."""
    total = n_left + n_right

    def remap(tree: np.ndarray, leaves: int, leaf_offset: int, node_offset: int) -> np.ndarray:
        out = tree.copy()
        for col in (0, 1):
            child = tree[:, col]
            out[:, col] = np.where(child < leaves, child + leaf_offset, child - leaves + node_offset)
        out[:, 2] = tree[:, 3] / total
        return out

    def root(leaves: int, leaf_offset: int, node_offset: int) -> int:
        return leaf_offset if leaves == 1 else node_offset + leaves - 2

    right_nodes = total + n_left - 1
    top = [[root(n_left, 0, total), root(n_right, n_left, right_nodes), 1.0, total]]
    return np.vstack(
        [
            remap(left, n_left, 0, total),
            remap(right, n_right, n_left, right_nodes),
            np.array(top, dtype=float),
        ]
    )
