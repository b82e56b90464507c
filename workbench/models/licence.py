"""A model's licence, read from its model card (the ``license:`` key of the README's YAML front
matter, the Hugging Face convention), carried from a base model to what is fine-tuned and built from
it, and a warning for non-commercial licences (NLLB is ``cc-by-nc-4.0``).

The workbench writes its own card into every registry folder, so the base model's licence is read
at training time (``extra["license"]``) and variants inherit their parent's.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from workbench import safe_yaml
from workbench.models.registry import ModelRecord, Registry

LICENCE_KEY = "license"  # the Hub's spelling, in cards and in the record's extra
NON_COMMERCIAL = re.compile(r"(^|[-_ ])nc([-_ ]|$)", re.IGNORECASE)  # cc-by-nc-4.0, cc-by-nc-sa-4.0


def card_licence(folder: str | Path) -> str | None:
    """The ``license`` of the model card in ``folder`` (README.md front matter); None when unknown."""
    card = Path(folder) / "README.md"
    if not card.is_file():
        return None
    text = card.read_text(encoding="utf-8", errors="replace")
    match = re.match(r"\A---\s*\n(.*?)\n---\s*(\n|\Z)", text, re.DOTALL)
    if not match:
        return None
    try:
        meta = safe_yaml.load(match.group(1))
    except yaml.YAMLError:
        return None  # a broken card says nothing reliable about the licence
    value = meta.get(LICENCE_KEY) if isinstance(meta, dict) else None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value).strip() or None if value else None


def model_licence(record: ModelRecord, registry: Registry | None = None) -> str | None:
    """The licence recorded for ``record``, else its nearest ancestor's (a variant keeps its parent's)."""
    registry = registry or Registry()
    current: ModelRecord | None = record
    for _ in range(20):
        if current is None:
            return None
        if current.extra.get(LICENCE_KEY):
            return str(current.extra[LICENCE_KEY])
        current = registry.get(current.parent) if current.parent and registry.exists(current.parent) else None
    return None


def is_non_commercial(licence: str | None) -> bool:
    return bool(licence) and NON_COMMERCIAL.search(str(licence)) is not None


def licence_warning(licence: str | None) -> str | None:
    """What a person must know before using a model under ``licence`` (None: nothing to warn about)."""
    if not is_non_commercial(licence):
        return None
    return (
        f"Non-commercial licence ({licence}): this model and everything fine-tuned or built from it may "
        "not be used commercially (no paid product or service). Check the licence terms before serving it."
    )


def licence_line(licence: str | None) -> str:
    """One line for a page or card: the licence, or that the base model's card does not name one."""
    if not licence:
        return "Licence: unknown (the base model's card names none; check it before using the model)."
    return f"Licence: {licence} (from the base model's card)."
