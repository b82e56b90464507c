"""Credentials: API keys and tokens of common providers, private keys, and ``key = value`` secrets.

Provider tokens have fixed prefixes, so one alternation finds them all in a single pass. A
``password = ...``-style assignment only counts when its value looks random (Shannon entropy), which
keeps ``api_key=YOUR_API_KEY`` and ``token: <token>`` in documentation out of the hits.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from workbench.safety.detectors.base import (
    BranchSet,
    Candidate,
    Detector,
    Param,
    factor_first_letters,
    lower_same_length,
    register_detector,
    shannon_entropy,
    starts_word,
)

_END = r"(?![A-Za-z0-9_-])"
# Every branch starts with a literal character (not a class): ``re`` then skips every position whose
# character starts no branch (3x faster). The word-start check is done in ``find``.
_PROVIDER_TOKENS = {
    "aws_access_key": "|".join(
        f"{p}[0-9A-Z]{{16}}(?![A-Za-z0-9])" for p in ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA")
    ),
    "github_token": r"gh[pousr]_[A-Za-z0-9]{36,255}" + _END + r"|github_pat_[A-Za-z0-9_]{22,255}" + _END,
    "gitlab_token": r"glpat-[A-Za-z0-9_-]{20,}" + _END,
    "slack_token": r"xox[abposr]-[A-Za-z0-9-]{10,}" + _END,
    "slack_webhook": r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}",
    "stripe_key": "|".join(
        f"{kind}k_{mode}_[A-Za-z0-9]{{16,}}{_END}" for kind in "rs" for mode in ("live", "test")
    ),
    "google_api_key": r"AIza[0-9A-Za-z_-]{35}" + _END,
    "anthropic_key": r"sk-ant-[a-z]+\d*-[A-Za-z0-9_-]{20,}" + _END,
    "openai_key": r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}" + _END,
    "huggingface_token": r"hf_[A-Za-z0-9]{30,}" + _END,
    "npm_token": r"npm_[A-Za-z0-9]{36}" + _END,
    "sendgrid_key": r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _END,
    "jwt": r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    "private_key": r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----(?:[\s\S]{0,8000}?-----END (?:[A-Z]+ )*PRIVATE KEY-----)?",
}
# Matched against the lower-cased text (same spans); the value is read from the original text. One
# flat branch per key name (see ``BranchSet``); the value is the group that matched (``lastindex``).
_KEY_NAMES = [
    *(
        rf"{prefix}[_-]?(?:key|token|secret)"
        for prefix in ("api", "access", "secret", "private", "client", "auth", "account", "app")
    ),
    *[
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "bearer",
        "credential",
        "credentials",
        "密码",
        "口令",
        "密钥",
        "令牌",
    ],
]
_ASSIGNED_VALUE = r"[\"']?\s*(?:[:=：]|\bis\b|为|是)\s*[\"']?([a-z0-9_\-+/=.~!@#$%^&*]{8,200})"
_ASSIGNMENTS = [key + _ASSIGNED_VALUE for key in _KEY_NAMES] + [r"bearer\s+([a-z0-9_\-+/=.~]{16,200})"]
_URL_PASSWORD = r"://[^\s:/@]+:([^\s:/@]{3,})@"
_PLACEHOLDER_WORDS = re.compile(
    r"your|example|xxxx|\*\*\*|change_?me|placeholder|dummy|redacted|\.\.\.", re.I
)


@register_detector
class SecretDetector(Detector):
    name = "secret"
    category = "secret"
    description = (
        "API keys and tokens of common providers (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI, "
        "Anthropic, Hugging Face, npm, SendGrid), JWTs, private-key blocks, passwords in URLs and "
        "high-entropy values assigned to key/token/password names."
    )
    placeholder = "SECRET"
    pii = True
    priority = 50
    params: ClassVar = {
        "min_entropy": Param(
            (int, float),
            3.0,
            "Bits per character a key=value secret must reach (random keys: 4-6).",
            low=0,
            high=32,
        ),
    }

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.tokens = BranchSet({name: [pattern] for name, pattern in _PROVIDER_TOKENS.items()})
        self.assignments = re.compile(factor_first_letters([*_ASSIGNMENTS, _URL_PASSWORD]))  # see BranchSet

    def prepare(self) -> None:
        self.tokens.compile_kinds()

    def find(self, text: str) -> list[Candidate]:
        found = []
        for match in self.tokens.finditer(text):
            kind = self.tokens.kind_of(match.group())
            if starts_word(text, match.start()) and (
                kind == "private_key" or shannon_entropy(match.group()) >= 2.5
            ):
                found.append(Candidate(match.start(), match.end(), kind))
        for match in self.assignments.finditer(lower_same_length(text)):
            candidate = self._assigned(match, text)
            if candidate is not None and not any(c.start <= candidate.start < c.end for c in found):
                found.append(candidate)
        return found

    def _assigned(self, match: re.Match[str], text: str) -> Candidate | None:
        """A password in a URL, or a high-entropy value after a key name (not ``YOUR_API_KEY``)."""
        if match.group().startswith("://"):
            return Candidate(*match.span(match.lastindex or 0), "url_password")
        if text[match.start()].isascii() and not starts_word(text, match.start()):
            return None
        start, end = match.span(match.lastindex or 0)
        value = text[start:end]
        if shannon_entropy(value) < self.settings["min_entropy"] or _PLACEHOLDER_WORDS.search(value):
            return None
        return Candidate(start, end, "assigned_secret")
