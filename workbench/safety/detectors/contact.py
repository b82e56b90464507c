"""Contact details: e-mail addresses, phone numbers (via ``phonenumbers``) and IP addresses.

Each pattern is deliberately loose; the validation on the few candidates is what keeps dates, version
numbers, order numbers, file names like ``logo@2x.png`` and Python slices out of the hits.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import phonenumbers

from workbench.safety.detectors.base import Candidate, Param, PatternDetector, register_detector

_FILE_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "bmp",
        "ico",
        "tif",
        "tiff",
        "css",
        "js",
        "ts",
        "py",
        "json",
        "yaml",
        "yml",
    ]
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


@register_detector
class EmailDetector(PatternDetector):
    name = "email"
    category = "email"
    description = "E-mail addresses (local part, domain with a real alphabetic top-level domain)."
    placeholder = "EMAIL"
    pii = True
    priority = 20
    # Anchored on "@" (rare in text, so the scan skips ahead); the local part is walked back from it.
    pattern = r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9_-])"

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        at = match.start()
        start = at
        while start > 0 and text[start - 1] in _LOCAL_CHARS and at - start <= 64:
            start -= 1
        while start < at and not text[start].isalnum():
            start += 1
        local = text[start:at]
        if not local or at - start > 64 or ".." in local or local.endswith("."):
            return None
        if match.group().rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES:
            return None
        return Candidate(start, match.end())


_DATE_SHAPED = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_OTHER_SHAPES = re.compile(r"\d{3}-\d{2}-\d{4}|\d{1,3}(?:\.\d{1,3}){3}")  # SSN, IPv4
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_CONTEXT = re.compile(
    r"(?:\b(?:tel|phone|call|mobile|cell|fax|whatsapp|text|sms|contact|number|reach|dial)\w*|电话|手机|联系|致电|号码|拨打)"
    r"\W{0,3}(?:\w+\W{1,3}){0,3}$",
    re.IGNORECASE,
)


@register_detector
class PhoneDetector(PatternDetector):
    name = "phone"
    category = "phone"
    description = (
        "Phone numbers: international (+country code) numbers that `phonenumbers` finds valid, or only "
        "possible (lower confidence: +44 7700 900123, a reserved drama range); national numbers of the "
        "configured regions and of `default_region`. A national number is labelled with "
        "`default_region` when it fits there, else `region unknown` (never a guess). A bare digit run "
        "that is not a China mobile needs a phone word before it (order numbers are not phones)."
    )
    placeholder = "PHONE"
    pii = True
    priority = 20
    params: ClassVar = {
        "regions": Param(list, ["US", "CN"], "Regions whose national formats are accepted without a +code."),
        "default_region": Param(
            str,
            "",
            "The workspace's own region (ISO code such as GB): a number without a +code is read as one of "
            "its numbers and labelled with it; empty: such numbers say `region unknown`.",
        ),
    }
    pattern = (
        r"[+(0-9](?<![A-Za-z0-9_+.-][+(0-9])"
        r"(?:(?<=\+)\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?|(?<=\()\d{0,3}\)[ .-]?)?\d*(?:[ .-]\d+)*"
        r"(?![A-Za-z0-9_]|[.-]\d)"
    )

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        problems = {}
        unknown = [r for r in settings.get("regions", []) if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            problems["regions"] = f"unknown phone regions {unknown}: use ISO codes such as CN, US, GB, DE"
        default = settings.get("default_region", "")
        if default and default not in phonenumbers.SUPPORTED_REGIONS:
            problems["default_region"] = (
                f"unknown default_region {default!r}: use an ISO code such as GB, DE or US (or leave it empty)"
            )
        return problems

    def find(self, text: str) -> list[Candidate]:
        found = []
        for match in self.regex.finditer(text):
            value = match.group()
            if len(value) < 7:
                continue
            verdict = self._phone_region(value, text, match.start())
            if verdict is not None:
                found.append(Candidate(match.start(), match.end(), *verdict))
            elif " " in value:  # "13812345678 13912345678": several numbers in one run
                found.extend(self._phones_inside(match, text))
        return found

    def _phones_inside(self, match: re.Match[str], text: str) -> list[Candidate]:
        found = []
        offset = match.start()
        for part in match.group().split(" "):
            if len(part) >= 7:
                verdict = self._phone_region(part, text, offset)
                if verdict is not None:
                    found.append(Candidate(offset, offset + len(part), *verdict))
            offset += len(part) + 1
        return found

    def _phone_region(self, value: str, text: str, start: int) -> tuple[str, float] | None:
        """(region detail, confidence) of a phone number, or None for dates, ids, order numbers..."""
        digits = value.translate(_NON_DIGITS)
        if not 7 <= len(digits) <= 15 or not digits.isdigit():
            return None
        if _DATE_SHAPED.fullmatch(value) or _OTHER_SHAPES.fullmatch(value):
            return None
        phone_word = _has_phone_word_before(text, start)
        if value.isdigit() and not _CN_MOBILE.fullmatch(value) and not phone_word:
            return None
        if value.startswith("+") or digits.startswith("00"):  # +49 ... or 0049 ... (international prefix)
            return _international_region("+" + (digits[2:] if digits.startswith("00") else digits))
        # A possible (not valid) national number needs a sign it is a phone: a phone word or phone grouping.
        return self._national_region(digits, allow_possible=phone_word or not value.isdigit())

    def _national_region(self, digits: str, *, allow_possible: bool) -> tuple[str, float] | None:
        """A number without a +code: the workspace's default region when it fits there; a number that
        only fits another accepted region is reported as `region unknown`, never given a guessed region."""
        default = self.settings["default_region"]
        if default:
            if _valid_national(digits, default):
                return default, 1.0
            if allow_possible and _possible_national(digits, default):
                return f"{default}, possible", POSSIBLE_CONFIDENCE
        if any(_valid_national(digits, region) for region in self.settings["regions"]):
            return "region unknown", 1.0
        return None


_NON_DIGITS = str.maketrans("", "", " .-()+")


def _has_phone_word_before(text: str, start: int) -> bool:
    """A phone word ("tel", "call", "电话"...) in the 40 characters before ``start``."""
    return _PHONE_CONTEXT.search(text, max(0, start - 40), start) is not None


POSSIBLE_CONFIDENCE = 0.6  # a possible but not valid number (right length, unassigned or reserved range)


def _international_region(number_text: str) -> tuple[str, float] | None:
    """Valid numbers at full confidence; numbers that are only *possible* for their country code (the
    UK's 07700 900xxx drama range) at lower confidence: exactly what a person types as a phone."""
    try:
        number = phonenumbers.parse(number_text, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.region_code_for_number(number) or "intl", 1.0
    if phonenumbers.is_possible_number(number):
        region = phonenumbers.region_code_for_country_code(number.country_code)
        if region != "ZZ":
            return f"{region}, possible", POSSIBLE_CONFIDENCE
    return None


def _possible_national(digits: str, region: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(digits, region))
    except phonenumbers.NumberParseException:
        return False


@functools.cache
def _region_facts(region: str) -> tuple[int, frozenset[int], str]:
    """Country code, possible national-number lengths and national prefix ("0", "1"...) of a region."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return meta.country_code, frozenset(meta.general_desc.possible_length), meta.national_prefix or ""


def _valid_national(digits: str, region: str) -> bool:
    """Whether ``digits`` (as written nationally) is a valid number of ``region``.

    Builds the ``PhoneNumber`` directly instead of calling ``phonenumbers.parse`` (3-4x slower):
    strip the national prefix, check the length, then the library's per-type number patterns.
    """
    country_code, lengths, prefix = _region_facts(region)
    national = digits
    if prefix and digits.startswith(prefix) and len(digits) - len(prefix) in lengths:
        national = digits[len(prefix) :]
    elif len(digits) not in lengths:
        return False
    if national.startswith("0"):  # regions without a national prefix keep leading zeros: let parse decide
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            return False
    else:
        number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    return phonenumbers.is_valid_number_for_region(number, region)


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_VERSION_CONTEXT = re.compile(
    r"(?:\b(?:version|ver|release|build|rev|revision|update|upgrade|upgraded|patch|firmware|python|node|"
    r"sdk|app|package|pkg|library|v)|版本号?|[vV])\s*[:=#]?\s*(?:to\s+|is\s+|from\s+)?$",
    re.IGNORECASE,
)


@register_detector
class IpAddressDetector(PatternDetector):
    name = "ip_address"
    category = "ip_address"
    description = (
        "IPv4 and IPv6 addresses (checked with `ipaddress`); dotted numbers introduced as a version "
        "(`version 1.2.3.4`, `v1.2.3.4`) are not addresses."
    )
    placeholder = "IP_ADDRESS"
    pii = True
    priority = 10
    # IPv4 starts at its first digit, IPv6 at its first colon (the leading group is walked back).
    pattern = (
        rf"[0-9](?<![A-Za-z0-9_.][0-9])\d{{0,2}}(?:\.{_OCTET}){{3}}(?![A-Za-z0-9_]|\.\d)"
        r"|:(?:[0-9A-Fa-f]{0,4}:){0,6}[0-9A-Fa-f]{0,4}(?![A-Za-z0-9_:])"
    )

    def validate(self, match: re.Match[str], text: str) -> Candidate | None:
        start, end = match.span()
        if match.group()[0] != ":":
            try:
                ipaddress.IPv4Address(match.group())
            except ValueError:
                return None
            if _VERSION_CONTEXT.search(text, max(0, start - 24), start):
                return None
            return Candidate(start, end, "ipv4")
        # The pattern starts at the first colon; walk back over the leading hex group.
        while start > 0 and text[start - 1] in "0123456789abcdefABCDEF":
            start -= 1
        value = text[start:end]
        before = text[start - 1] if start > 0 else " "
        if (before.isascii() and (before.isalnum() or before in "_:.")) or value.count(":") < 2:
            return None
        if sum(1 for part in value.split(":") if part) < 3 and value != "::1":
            return None
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return None
        return Candidate(start, end, "ipv6")
