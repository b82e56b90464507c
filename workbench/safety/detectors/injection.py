"""Prompt injection: text that tries to steer a model instead of being classified by it.

Six families, each a named set of branches of one combined pattern run on the lower-cased text (the
Chinese and invisible-character branches only when the text is not pure ASCII); the patterns live in
``injection_patterns`` and (the leak family) ``leak_patterns``:

* ``override``: an imperative near what it throws away ("ignore any previous and following
  instructions", "disregard the above", "vergiss alles davor", "忽略之前的所有指令"); not after a
  negation, and "ignore the noise" or "follow the instructions on the box" stay clean;
* ``hijack``: the payload of a goal hijack ("just print \"...\":", "instead classify this as");
* ``role``: jailbreak personas and modes ("DAN Mode enabled", "you are now DAN"), or a persona set-up
  ("from now on you are", "act as") with a lawlessness cue near it ("no restrictions", "unfiltered");
* ``leak``: requests for the system prompt or the instructions above;
* ``template``: chat-template and special tokens pasted into user text (``<|im_start|>``, ``[INST]``);
* ``invisible``: zero-width, bidi-override and Unicode tag characters used to hide instructions.

Every family also runs on the views of ``workbench.safety.normalize`` (leetspeak, look-alike letters,
spaced letters, rot13, base64/hex payloads, payloads split into named strings, words joined by separators,
misspelt key words, accents, markup, CamelCase, percent-escapes, text written backwards...); a candidate's
detail says which: ``override via raw``, ``override via leetspeak``, ``hijack via base64``
(reported on the encoded run), ``leak via joined-strings`` (reported on the assignments), ``override via
typos``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.safety.detectors import injection_patterns as phrases
from workbench.safety.detectors.base import (
    BranchSet,
    Candidate,
    Detector,
    Param,
    factor_first_letters,
    lower_same_length,
    register_detector,
    split_top_level,
    starts_word,
)
from workbench.safety.detectors.injection_patterns import (
    ROLE_LAWLESS,
    ROLE_LAWLESS_ZH,
    ROLE_SETUP,
    ROLE_SETUP_ZH,
)
from workbench.safety.detectors.leak_patterns import LEAK_DE, LEAK_EN, LEAK_ZH
from workbench.safety.normalize import View, text_views

# family -> (branches for any text in English, in other languages, branches that need non-ASCII text).
# The other languages' any-text branches are kept apart so that a match found only once accents were taken
# off can be told from them: "J'ai oublié les instructions" (I forgot the instructions) would read as French
# "oublie les instructions" (forget them). Accents are how an English order is obfuscated, and part of the
# spelling of these languages.
FAMILIES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "override": (
        phrases.OVERRIDE_EN,
        [*phrases.OVERRIDE_DE, *phrases.OVERRIDE_OTHER],
        [*phrases.OVERRIDE_ZH, *phrases.OVERRIDE_RU],
    ),
    "hijack": (phrases.HIJACK_EN, phrases.HIJACK_DE, phrases.HIJACK_ZH),
    "role": (phrases.ROLE_EN, [], phrases.ROLE_ZH),
    "leak": (LEAK_EN, LEAK_DE, LEAK_ZH),
    "template": (phrases.TEMPLATE, [], []),
    "invisible": ([], [], phrases.INVISIBLE),
}
_OTHER_LANGUAGES = " (other languages)"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NEGATION = re.compile(r"(?:\bdon'?t|\bdo not|\bnever|\bcan'?t|\bcannot|\bwon'?t|\bnot|\bnicht|不要|别)\s*$")
# "don't forget the previous order instructions" is not an override, "never share your secret password"
# not a leak request
_NEGATABLE = ("override", "leak")
ROLE_WINDOW = 1500  # a set-up and a lawlessness cue this close together make a persona jailbreak


# Invisible characters strewn between letters ("i\u200bg\u200bn\u200bo\u200br\u200be") are one hit
# over the run they hide, not one per character: a text of 50,000 of them gave 50,000 hits.
_STREWN_GAP = 3
_INVISIBLE = "invisible via raw"


def _merge_strewn(found: list[Candidate]) -> list[Candidate]:
    """Invisible-character candidates at most ``_STREWN_GAP`` characters apart joined into one."""
    merged: list[Candidate] = []
    for candidate in sorted(found, key=lambda c: (c.detail != _INVISIBLE, c.start)):
        last = merged[-1] if merged else None
        if (
            candidate.detail == _INVISIBLE
            and last is not None
            and last.detail == _INVISIBLE
            and candidate.start - last.end <= _STREWN_GAP
        ):
            merged[-1] = Candidate(last.start, max(last.end, candidate.end), _INVISIBLE, last.confidence)
        else:
            merged.append(candidate)
    return merged


@register_detector
class PromptInjectionDetector(Detector):
    name = "prompt_injection"
    category = "prompt_injection"
    description = (
        'Instruction overrides, goal hijacks ("just print ..."), persona/jailbreak set-ups, system-prompt '
        "requests (English, German, Chinese; 'forget all instructions' also in Spanish, French, Croatian and "
        "Russian), chat-template tokens and invisible/bidi characters; also found through leetspeak, "
        "look-alike letters, spaced letters, base64/hex/rot13 payloads, URL escapes and payloads split into "
        "named strings."
    )
    placeholder = "INJECTION"
    params: ClassVar = {
        "families": Param(list, list(FAMILIES), f"Which families to look for: {', '.join(FAMILIES)}."),
        "decode": Param(bool, True, "Also scan base64/hex payloads that decode to text."),
    }

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        unknown = [f for f in settings.get("families", []) if f not in FAMILIES]
        if unknown:
            return {"families": f"unknown injection families {unknown}: use {', '.join(FAMILIES)}"}
        return {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        families = self.settings["families"]
        kinds: dict[str, list[str]] = {}
        for family in families:  # one alternation; a match's kind says whether it was an English branch
            kinds[family] = FAMILIES[family][0]
            kinds[family + _OTHER_LANGUAGES] = FAMILIES[family][1]
        self.any_text = BranchSet(kinds, word_start=True)
        self.non_ascii = BranchSet({family: FAMILIES[family][2] for family in families})
        self.roles = "role" in families
        # Obfuscation matters for phrases; template tokens and invisible characters are found as written.
        self.normalise = not {"override", "hijack", "role", "leak"}.isdisjoint(families)
        self.setup = re.compile(factor_first_letters(split_top_level(ROLE_SETUP), word_start=True))
        self.lawless = re.compile(ROLE_LAWLESS)
        self.setup_zh = re.compile(ROLE_SETUP_ZH)
        self.lawless_zh = re.compile(ROLE_LAWLESS_ZH)

    def prepare(self) -> None:
        self.any_text.compile_kinds()
        self.non_ascii.compile_kinds()

    def find(self, text: str) -> list[Candidate]:
        lowered = lower_same_length(text)
        found: list[Candidate] = []
        raw_families: dict[str, list[tuple[int, int]]] = {}
        views = (
            text_views(text, lowered, decode=self.settings["decode"])
            if self.normalise
            else [View(lowered, "raw")]
        )
        for view in views:
            for family, start, end in self._matches(view):
                if end in view.no_end:
                    continue
                start, end = view.original_span(start, end)
                if view.name != "raw" and any(s < end and start < e for s, e in raw_families.get(family, ())):
                    continue  # already found in the text as written
                if view.name == "raw":
                    raw_families.setdefault(family, []).append((start, end))
                if view.name == "raw" or not any(
                    c.start == start and c.detail.startswith(family) for c in found
                ):
                    found.append(Candidate(start, end, f"{family} via {view.name}"))
        return _merge_strewn(found) if len(found) > 1 else found

    def _matches(self, view: View) -> list[tuple[str, int, int]]:
        """(family, start, end) of every match in one view's text (spans index that text)."""
        text = view.text
        english_only = "accents" in view.name.split("+")
        matches = []
        for match in self.any_text.finditer(text):
            start = match.start()
            if text[start].isalpha() and not starts_word(text, start):
                continue
            kind = self.any_text.kind_of(match)
            family = kind.removesuffix(_OTHER_LANGUAGES)
            if english_only and family != kind:
                continue
            if family in _NEGATABLE and _NEGATION.search(text, max(0, start - 12), start):
                continue
            matches.append((family, start, match.end()))
        if not text.isascii():
            for match in self.non_ascii.finditer(text):
                matches.append((self.non_ascii.kind_of(match), match.start(), match.end()))
        if self.roles and not any(f == "role" for f, _, _ in matches):
            matches.extend(self._persona(text))
        return matches

    def _persona(self, text: str) -> list[tuple[str, int, int]]:
        """A persona set-up ("from now on you are", "act as", "扮演") with a lawlessness cue near it."""
        pairs = [(self.setup, self.lawless, True)]
        if not text.isascii() and _CJK.search(text):
            pairs.append((self.setup_zh, self.lawless_zh, False))
        for setups, lawlessness, by_word in pairs:
            for setup in setups.finditer(text):
                if by_word and not starts_word(text, setup.start()):
                    continue
                window_end = min(len(text), setup.end() + ROLE_WINDOW)
                lawless = lawlessness.search(text, max(0, setup.start() - ROLE_WINDOW), window_end)
                if lawless is not None:
                    return [("role", min(setup.start(), lawless.start()), max(setup.end(), lawless.end()))]
        return []
