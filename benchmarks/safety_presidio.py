"""Microsoft Presidio as the reference for the safety benchmark (optional dependency).

Install with ``pip install presidio-analyzer spacy`` (the ``bench`` extra). It is run fully offline:
a blank spaCy English pipeline (``spacy.blank("en")``: no model download, so no NER entities) and
tldextract reading its bundled public-suffix snapshot instead of fetching the list from the internet.
Presidio is used with its default recognizers and default score threshold (0).
"""

from __future__ import annotations

from typing import Any

# Presidio entity -> our category; entities without a counterpart (URL, DATE_TIME...) are ignored.
ENTITY_TO_CATEGORY = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit_card",
    "IBAN_CODE": "iban",
    "US_SSN": "national_id",
    "IP_ADDRESS": "ip_address",
}


def load_presidio() -> tuple[Any | None, str]:
    """The analyzer (or None) and a line saying what was loaded or why it is missing."""
    try:
        import spacy
        import tldextract
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
    except ImportError as exc:
        return None, f"Presidio not installed ({exc.name}): `pip install presidio-analyzer spacy` to compare"

    # The e-mail recognizer calls ``tldextract.extract``, which would download the suffix list.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class BlankSpacyEngine(SpacyNlpEngine):
        """spaCy without a trained pipeline: tokenisation only, nothing to download."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankSpacyEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    from importlib.metadata import version

    return analyzer, f"presidio-analyzer {version('presidio-analyzer')} (blank spaCy, offline)"


def presidio_spans(analyzer: Any, text: str) -> list[tuple[int, int, str]]:
    """Presidio's findings in ``text`` mapped to our categories."""
    return [
        (result.start, result.end, ENTITY_TO_CATEGORY[result.entity_type])
        for result in analyzer.analyze(text, language="en")
        if result.entity_type in ENTITY_TO_CATEGORY
    ]
