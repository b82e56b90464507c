"""Numbers that carry their own check digits: payment cards, IBANs and national ids.

The checks come from ``python-stdnum`` (Luhn, ISO 7064 mod 97-10, the Chinese resident-id check digit
and birth date, the US SSN allocation rules), so an invoice number that merely *looks* like a card is
not reported: a random 16-digit number passes Luhn one time in ten, and then it must also start with a
real issuer prefix of the right length.
"""

from __future__ import annotations

import functools
import re

from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent
from stdnum.us import ssn

from workbench.safety.detectors.base import Candidate, PatternDetector, context_before, register_detector

# Presidio-style context: a number whose check fails is still reported, at this lower confidence,
# when one of these words comes right before it ("my ssn is 078-05-1120": a typo or a test number is
# still somebody's attempt at an SSN). Without the word, a failing number stays quiet.
CONTEXT_CONFIDENCE = 0.5
_CARD_CONTEXT = re.compile(r"card|visa|mastercard|amex|信用卡|银行卡|卡号", re.IGNORECASE)
_IBAN_CONTEXT = re.compile(r"iban|account|konto|bank", re.IGNORECASE)
_SSN_CONTEXT = re.compile(r"ssn|social\s+security|soc\.?\s*sec|社会安全号", re.IGNORECASE)
_RIC_CONTEXT = re.compile(r"身份证|居民身份|resident\s+id|id\s+card|id\s+number", re.IGNORECASE)


def context_candidate(text: str, start: int, end: int, kind: str, words: re.Pattern[str]) -> Candidate | None:
    """A lower-confidence candidate for a number that failed its check, when a context word precedes it."""
    if context_before(text, start, words):
        return Candidate(start, end, f"{kind}, context only (check fails)", CONTEXT_CONFIDENCE)
    return None


# (first prefix, last prefix, allowed lengths, brand): prefixes are compared as same-length strings.
_CARD_ISSUERS = (
    ("4", "4", (13, 16, 19), "visa"),
    ("51", "55", (16,), "mastercard"),
    ("2221", "2720", (16,), "mastercard"),
    ("34", "34", (15,), "amex"),
    ("37", "37", (15,), "amex"),
    ("6011", "6011", (16, 17, 18, 19), "discover"),
    ("644", "649", (16, 17, 18, 19), "discover"),
    ("65", "65", (16, 17, 18, 19), "discover"),
    ("3528", "3589", (16, 17, 18, 19), "jcb"),
    ("300", "305", (14, 15, 16, 17, 18, 19), "diners"),
    ("36", "36", (14, 15, 16, 17, 18, 19), "diners"),
    ("38", "39", (16, 17, 18, 19), "diners"),
    ("62", "62", (16, 17, 18, 19), "unionpay"),
    ("2200", "2204", (16, 17, 18, 19), "mir"),
)


def card_brand(digits: str) -> str | None:
    """The issuer of a card number by prefix and length, or None when no issuer uses that shape."""
    for first, last, lengths, brand in _CARD_ISSUERS:
        if len(digits) in lengths and first <= digits[: len(first)] <= last:
            return brand
    return None


@register_detector
class CreditCardDetector(PatternDetector):
    name = "credit_card"
    category = "credit_card"
    description = (
        "Payment card numbers: 13-19 digits, a real issuer prefix and length, and a valid Luhn check."
    )
    placeholder = "CREDIT_CARD"
    pii = True
    priority = 30
    pattern = r"[0-9](?<![A-Za-z0-9_+.-][0-9])(?:[ -]?\d){12,18}(?![A-Za-z0-9_]|[.-]\d)"

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        value = match.group()
        if len({ch for ch in value if not ch.isdigit()}) > 1:  # mixed separators: not a card as written
            return None
        digits = value.replace(" ", "").replace("-", "")
        brand = card_brand(digits)
        if brand is None or not luhn.is_valid(digits):
            return context_candidate(text, match.start(), match.end(), "card", _CARD_CONTEXT)
        return Candidate(match.start(), match.end(), brand)


@register_detector
class IbanDetector(PatternDetector):
    name = "iban"
    category = "iban"
    description = "International bank account numbers with the country's length and a valid mod-97 check."
    placeholder = "IBAN"
    pii = True
    priority = 30
    pattern = (
        r"[A-Z](?<![A-Za-z0-9_][A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9_])"
    )

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        value = match.group()
        # A word in capitals after the IBAN ("... 0130 00 BANK") is swallowed by the pattern: drop
        # trailing groups until the number checks or gets too short.
        while len(value) >= 15:
            if stdnum_iban.is_valid(value):
                return Candidate(match.start(), match.start() + len(value), value[:2])
            if " " not in value:
                break
            value = value.rsplit(" ", 1)[0]
        return context_candidate(text, match.start(), match.end(), "iban", _IBAN_CONTEXT)


def is_valid_cn_ric(number: str) -> bool:
    """``stdnum.cn.ric.is_valid`` with its slow part (the birth-place database look-up) cached by
    region code and birth year; check digit and birth date are checked first, as cheap filters."""
    try:
        if ric.calc_check_digit(number) != number[-1]:
            return False
        year = ric.get_birth_date(number).year
    except (ValueError, InvalidComponent):
        return False
    return _birth_place_known(number[:6], year)


@functools.lru_cache(maxsize=4096)
def _birth_place_known(region_code: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region_code}{year:04d}01010000")
    except InvalidComponent:
        return False
    return True


@register_detector
class NationalIdDetector(PatternDetector):
    name = "national_id"
    category = "national_id"
    description = (
        "Mainland-China resident ids (18 characters: valid birth date and check digit) and US social "
        "security numbers (formatted 123-45-6789, or 9 digits right after `SSN`), checked by python-stdnum."
    )
    placeholder = "NATIONAL_ID"
    pii = True
    priority = 40
    # Flat branches (see ``BranchSet``): resident id | formatted SSN (group 1: its separator) |
    # "SSN" + 9 digits (groups 2+: the digits, one group per keyword branch).
    pattern = "|".join(
        [
            r"[1-9](?<![A-Za-z0-9_-][1-9])\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
            r"(?![A-Za-z0-9_])",
            r"[0-9](?<![A-Za-z0-9_-][0-9])\d\d([- ])\d{2}\1\d{4}(?![A-Za-z0-9_]|-\d)",
            *(
                keyword + r"\W{0,5}(\d{9})(?![A-Za-z0-9_])"
                for keyword in ("SSN", "ssn", "Social Security", "social security", "社会安全号")
            ),
        ]
    )

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        if match.lastindex and match.lastindex >= 2:  # one group per "SSN" keyword branch
            start, end = match.span(match.lastindex)
        elif match.group(1):
            start, end = match.span()
        else:
            if is_valid_cn_ric(match.group().upper()):
                return Candidate(*match.span(), "cn_ric")
            return context_candidate(text, *match.span(), "cn_ric", _RIC_CONTEXT)
        digits = text[start:end].replace("-", "").replace(" ", "")
        if ssn.is_valid(digits):
            return Candidate(start, end, "us_ssn")
        if match.lastindex and match.lastindex >= 2:  # right after the word "SSN" itself
            return Candidate(start, end, "us_ssn, context only (check fails)", CONTEXT_CONFIDENCE)
        return context_candidate(text, start, end, "us_ssn", _SSN_CONTEXT)
