"""Output rules: checks on a prediction rather than on the input text.

They use the same rule file, severities and actions as input rules; a hit's span points at the
keyword that caused it, or covers the whole text when the prediction as a whole is the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.safety.detectors.base import Candidate, Detector, Param, register_detector
from workbench.safety.detectors.custom import KeywordDetector


class OutputDetector(Detector):
    """Base class of output checks: ``check(...)`` instead of ``find(text)``."""

    stage = "output"
    category = "output"
    # True: the check reads generated text (a translation) and only runs on it, never on a class label
    generated_only: ClassVar[bool] = False

    def find(self, text: str) -> list[Candidate]:
        return []

    def check(
        self, label: str, probabilities: Mapping[str, float], text: str, variant_label: str | None
    ) -> list[Candidate]:
        raise NotImplementedError


@register_detector
class LowConfidenceDetector(OutputDetector):
    name = "low_confidence"
    description = "The predicted label's probability is below `threshold`: a person should look."
    params: ClassVar = {"threshold": Param((int, float), 0.5, "Lowest probability trusted without review.")}

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        threshold = settings.get("threshold", 0.5)
        return {} if 0 < threshold <= 1 else {"threshold": f"threshold must be in (0, 1], got {threshold!r}"}

    def check(
        self, label: str, probabilities: Mapping[str, float], text: str, variant_label: str | None
    ) -> list[Candidate]:
        confidence = probabilities.get(label, max(probabilities.values(), default=0.0))
        if confidence >= self.settings["threshold"]:
            return []
        return [Candidate(0, len(text), f"confidence {confidence:.2f} < {self.settings['threshold']}")]


@register_detector
class LabelKeywordDetector(OutputDetector):
    name = "label_keyword"
    description = (
        "When the prediction is `label`, the text must contain one of `requires` and none of `forbids` "
        "(e.g. label `refund` requires `order`, label `positive` forbids `terrible`)."
    )
    params: ClassVar = {
        "label": Param(str, None, "The predicted label this rule applies to.", required=True),
        "requires": Param(list, [], "Keywords of which at least one must appear."),
        "forbids": Param(list, [], "Keywords none of which may appear."),
        "case_sensitive": Param(bool, False, "Match keywords with exact case."),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        problems = {}
        for key in ("requires", "forbids"):
            words = settings.get(key) or []
            if any(not isinstance(word, str) or not word.strip() for word in words):
                problems[key] = f"`{key}` must be a list of non-empty strings, got {words!r}"
        if not settings.get("requires") and not settings.get("forbids"):
            problems["label"] = "a label_keyword rule needs `requires` or `forbids` keywords"
        return problems

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.required = self._keywords(self.settings["requires"])
        self.forbidden = self._keywords(self.settings["forbids"])

    def _keywords(self, words: list[str]) -> KeywordDetector | None:
        return (
            KeywordDetector(keywords=words, case_sensitive=self.settings["case_sensitive"]) if words else None
        )

    def check(
        self, label: str, probabilities: Mapping[str, float], text: str, variant_label: str | None
    ) -> list[Candidate]:
        if str(label) != self.settings["label"]:
            return []
        found = []
        if self.required is not None and not self.required.find(text):
            found.append(Candidate(0, len(text), "required keyword missing"))
        if self.forbidden is not None:
            found.extend(c._replace(detail="forbidden keyword") for c in self.forbidden.find(text))
        return found


@register_detector
class VariantDisagreementDetector(OutputDetector):
    name = "variant_disagreement"
    description = "The model and its variant (quantised, pruned...) predict different labels for the text."

    def check(
        self, label: str, probabilities: Mapping[str, float], text: str, variant_label: str | None
    ) -> list[Candidate]:
        if variant_label is None or str(variant_label) == str(label):
            return []
        return [Candidate(0, len(text), "model and variant disagree")]


@register_detector
class GeneratedTermsDetector(OutputDetector):
    name = "generated_terms"
    generated_only = True
    description = (
        "Generated text (a translation) contains one of `terms`, e.g. a blocked-terms list for the target "
        "language; spans point into the generated text."
    )
    params: ClassVar = {
        "terms": Param(list, None, "Words or phrases the generated text must not contain.", required=True),
        "case_sensitive": Param(bool, False, "Match case exactly."),
        "whole_word": Param(bool, True, "Only whole words (`cat` does not hit `category`)."),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        terms = settings["terms"]
        if not terms or any(not isinstance(t, str) or not t.strip() for t in terms):
            return {"terms": f"terms must be a non-empty list of non-empty strings, got {terms!r}"}
        return {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.terms = KeywordDetector(
            keywords=self.settings["terms"],
            case_sensitive=self.settings["case_sensitive"],
            whole_word=self.settings["whole_word"],
        )

    def check(
        self, label: str, probabilities: Mapping[str, float], text: str, variant_label: str | None
    ) -> list[Candidate]:
        return [c._replace(detail="blocked term in the output") for c in self.terms.find(label)]
