"""Language codes of multilingual translation models (NLLB, M2M100): which codes a tokenizer knows,
checked with a message naming close matches, and how they steer a model.

A multilingual model reads ``[source code] text </s>`` and is told what to write by forcing the
target code as the first generated token (``forced_bos_token_id``). Training sets the tokenizer's
``src_lang``/``tgt_lang`` (so sources and targets are encoded with their codes) and the generation
config's ``forced_bos_token_id``; both are saved with the model, so the folder translates in the
trained direction wherever it is loaded. At prediction, codes given in the ``GenerationSpec``
override that direction without touching the shared tokenizer.

Marian (opus-mt) models are one language pair each and T5 is told the pair in the text itself
(``translate English to German: ...``): their tokenizers have no codes, and codes given for them are
refused with that explanation rather than silently ignored.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from workbench.errors import SpecError

NLLB_CODE = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")  # eng_Latn, deu_Latn, zho_Hans
SHOWN_CODES = 6


def language_codes(tokenizer: Any) -> list[str]:
    """The language codes ``tokenizer`` knows (M2M100: ``en``; NLLB: ``eng_Latn``); [] for none."""
    mapping = getattr(tokenizer, "lang_code_to_id", None)
    if isinstance(mapping, dict) and mapping:
        return list(mapping)
    specials: list[Any] = []
    for name in ("extra_special_tokens", "additional_special_tokens"):
        value = getattr(tokenizer, name, None)
        specials += list(value.values() if isinstance(value, dict) else value or [])
    return sorted({str(t) for t in specials if NLLB_CODE.fullmatch(str(t))})


def language_token_id(tokenizer: Any, code: str) -> int:
    """The token id of a language code (the token M2M100 writes as ``__en__``)."""
    if hasattr(tokenizer, "get_lang_id"):
        return int(tokenizer.get_lang_id(code))
    return int(tokenizer.convert_tokens_to_ids(code))


COMMON_CODES = ("eng_Latn", "deu_Latn", "fra_Latn", "spa_Latn", "en", "de", "fr", "es")


def _unknown(side: str, code: str, known: list[str]) -> str:
    same = [k for k in known if k.casefold() == code.casefold()]
    close = same or difflib.get_close_matches(code, known, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    examples = [c for c in COMMON_CODES if c in known] or known[:SHOWN_CODES]
    return (
        f"Unknown {side} language code {code!r}: this model knows {len(known)} codes, such as "
        f"{', '.join(examples)}.{hint}"
    )


def check_languages(tokenizer: Any, source: str | None, target: str | None) -> bool:
    """True when codes are given and the tokenizer knows both; False when none is given; otherwise a
    ``SpecError`` naming every problem (a code missing, unknown, or a model without codes)."""
    if not source and not target:
        return False
    known = language_codes(tokenizer)
    if not known:
        raise SpecError(
            "--source-lang/--target-lang apply to multilingual models with language codes (NLLB, M2M100); "
            "this model's tokenizer has none. A Marian (opus-mt) model translates one language pair "
            "already; a T5 model is told the pair in the text ('translate English to German: ...'). "
            "Leave both unset."
        )
    problems = []
    for side, code in (("source", source), ("target", target)):
        if not code:
            problems.append(f"Give the {side} language too (--{side}-lang): a multilingual model needs both.")
        elif code not in known:
            problems.append(_unknown(side, code, known))
    if problems:
        raise SpecError(" ".join(problems), problems)
    return True


def set_training_languages(tokenizer: Any, source: str | None, target: str | None) -> bool:
    """Training: encode sources and targets with their codes (the tokenizer is the run's own)."""
    if not check_languages(tokenizer, source, target):
        return False
    tokenizer.src_lang, tokenizer.tgt_lang = source, target
    return True


def force_target_language(model: Any, tokenizer: Any, target: str) -> None:
    """Make the model start every output with the target code (saved in its generation config)."""
    token = language_token_id(tokenizer, target)
    model.generation_config.forced_bos_token_id = token  # transformers 5: never on model.config


def encode_with_language(
    tokenizer: Any, texts: Sequence[str], source: str, max_length: int
) -> list[list[int]]:
    """``[source code] text </s>`` ids per text, built without changing the (shared) tokenizer."""
    code = language_token_id(tokenizer, source)
    body = tokenizer(
        list(texts), add_special_tokens=False, truncation=True, max_length=max(1, max_length - 2)
    )
    return [[code, *ids, tokenizer.eos_token_id] for ids in body["input_ids"]]
