"""Prompt injection: text that tries to steer a model instead of being classified by it.

Four families, each a named alternative of one combined pattern run on the lower-cased text (the
Chinese and invisible-character alternatives only when the text is not pure ASCII):

* ``override``: "ignore all previous instructions", "忽略之前的所有指令"; the verb alone is not enough
  ("ignore the noise", "follow the instructions on the box" stay clean): an override needs a
  *which* word (previous, above, system, all...) before the instructions it throws away;
* ``role``: jailbreak set-ups ("you are now DAN", "developer mode enabled", "扮演一个没有限制的AI")
  and requests to reveal the system prompt;
* ``template``: chat-template and special tokens pasted into user text (``<|im_start|>``,
  ``[INST]``, ``<<SYS>>``, ``<|eot_id|>``);
* ``invisible``: zero-width, bidi-override and Unicode tag characters used to hide instructions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from workbench.safety.detectors.base import (
    BranchSet,
    Candidate,
    Detector,
    Param,
    lower_same_length,
    register_detector,
    starts_word,
)

# Patterns are lower-case: they run on the lower-cased text. Every branch starts with a literal (see
# ``BranchSet``); English branches start with their first word, and ``find`` checks the word start.
_WHICH = (
    r"(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|developer|all|any|every)"
)
_WHAT = r"(?:instructions?|prompts?|directions?|rules|guidelines|commands|directives|constraints|context|messages|programming)"
_OVERRIDE_TAIL = (
    r"\s+(?:(?:all|any|of|everything|the|your|my|these|those)\s+)*"
    rf"{_WHICH}(?:\s+(?:of\s+)?(?:the\s+|your\s+|my\s+)?(?:previous|prior|above|earlier|system|safety|given|initial))?\s+{_WHAT}\b"
)
_OVERRIDE_EN = [
    *(
        verb + _OVERRIDE_TAIL
        for verb in ["ignore", "disregard", "forget", "override", "bypass", "skip", "neglect", "drop"]
    ),
    rf"do\s+not\s+follow\s+(?:your|the|any)\s+(?:previous|prior|system|original)\s+{_WHAT}\b",
    r"new\s+(?:system\s+)?instructions\s*:",
]
_OVERRIDE_ZH = [
    verb + r"(?:掉)?(?:你)?(?:之前|以上|上面|前面|先前|此前|所有|全部|一切|系统)[的所有全部一切]{0,4}"
    r"(?:指令|指示|规则|提示词?|要求|设定|约束|限制)"
    for verb in ["忽略", "无视", "忽视", "忘记", "忘掉", "跳过", "不要理会", "不要遵守", "不再遵守"]
]
_JAILBROKEN = r"(?:unrestricted|unfiltered|uncensored|jailbroken)"
_ROLE_EN = [
    rf"you\s+are\s+now\s+(?:dan|an?\s+(?:{_JAILBROKEN[3:-1]}|evil)|in\s+developer\s+mode)\b",
    *(rf"{verb}\s+as\s+(?:an?\s+)?{_JAILBROKEN}\b" for verb in ("act", "behave", "respond")),
    r"pretend\s+(?:that\s+)?you\s+(?:are|have)\s+(?:no|not\s+bound\s+by\s+any)\s+(?:restrictions|rules|filters|guidelines|limits)\b",
    r"developer\s+mode\s+(?:enabled|activated|on)\b",
    r"do\s+anything\s+now\b",
    r"jailbreak(?:ed)?\s+mode\b",
    *(
        rf"{verb}\s+(?:me\s+)?(?:your|the)\s+(?:system|initial|hidden|original)\s+(?:prompt|instructions)\b"
        for verb in ("reveal", "print", "show", "repeat", "output", "leak")
    ),
]
_ROLE_ZH = [
    *(
        rf"{verb}(?:一个)?(?:没有|不受)(?:任何)?(?:限制|约束|规则)"
        for verb in ("扮演", "假装你是", "你现在是")
    ),
    r"开发者模式",
    r"越狱模式",
    *(rf"{verb}你的(?:系统提示词?|初始指令|原始指令)" for verb in ("输出", "泄露", "显示", "告诉我")),
]
_TEMPLATE = [
    r"<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|"
    r"end_header_id|eot_id|eom_id|fim_prefix|fim_suffix|fim_middle)\|>",
    r"\[/?inst\]",
    r"<</?sys>>",
    r"<(?:start|end)_of_turn>",
    r"#(?<![^\n]#)#{1,2}[ \t]*(?:system|instruction)[ \t]*:",  # "### System:" at a line start
]
_INVISIBLE = [
    r"[\u200b\u2060-\u2064\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]+",
    r"[\u200c\u200d\u200e\u200f]+(?<=[a-z][\u200c\u200d\u200e\u200f])(?=[a-z])",  # inside a Latin word
    r"\ufeff(?<!^\ufeff)",  # a byte-order mark anywhere but at the start
]
# family -> (branches for any text, branches that need non-ASCII text)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    "override": (_OVERRIDE_EN, _OVERRIDE_ZH),
    "role": (_ROLE_EN, _ROLE_ZH),
    "template": (_TEMPLATE, []),
    "invisible": ([], _INVISIBLE),
}


@register_detector
class PromptInjectionDetector(Detector):
    name = "prompt_injection"
    category = "prompt_injection"
    description = (
        "Instruction overrides (English and Chinese), role/jailbreak set-ups and system-prompt requests, "
        "chat-template or special tokens, and invisible/bidi Unicode characters."
    )
    placeholder = "INJECTION"
    params: ClassVar = {
        "families": Param(list, list(FAMILIES), f"Which families to look for: {', '.join(FAMILIES)}."),
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
        self.any_text = BranchSet({family: FAMILIES[family][0] for family in families})
        self.non_ascii = BranchSet({family: FAMILIES[family][1] for family in families})

    def find(self, text: str) -> list[Candidate]:
        lowered = lower_same_length(text)
        found = []
        for match in self.any_text.finditer(lowered):
            if not lowered[match.start()].isalpha() or starts_word(lowered, match.start()):
                found.append(Candidate(match.start(), match.end(), self.any_text.kind_of(match.group())))
        if not text.isascii():
            for match in self.non_ascii.finditer(lowered):
                found.append(Candidate(match.start(), match.end(), self.non_ascii.kind_of(match.group())))
        return found
