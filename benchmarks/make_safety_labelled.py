"""Write ``benchmarks/data/safety_labelled.jsonl``: the labelled set of the safety-rule benchmark.

Seeded and deterministic: ``python benchmarks/make_safety_labelled.py`` rewrites the same file. Each
line is ``{"id", "text", "spans": [{"start", "end", "category"}], "kind"}`` where ``kind`` is
``positive``, ``wild_positive`` (hand-written formats), ``mixed``, ``hard_negative`` or ``clean``. Values are generated with real check digits
(python-stdnum) or validated with ``phonenumbers``; hard negatives are the near misses a detector must
not report: a 16-digit number failing Luhn, ids and IBANs with a wrong check digit, version numbers,
dates, times, ISBNs, file names, placeholders, ordinary sentences about "instructions".

Caveat for readers of the numbers: this set was written by the author of the detectors. It is a
regression and comparison set, not an independent test of real-world recall.
"""

from __future__ import annotations

import json
import random
import string
import sys
from pathlib import Path

import phonenumbers
from stdnum import iban, luhn
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).resolve().parent))
from safety_texts import (
    CARRIERS,
    CLEAN_TEXTS,
    HARD_NEGATIVE_TEMPLATES,
    INJECTIONS,
    MIXED_TEMPLATES,
    WILD_POSITIVES,
)

OUTPUT = Path(__file__).resolve().parent / "data" / "safety_labelled.jsonl"
SEED = 20240611
POSITIVES_PER_CATEGORY = 40
CN_REGIONS = (
    "110105",
    "110108",
    "310104",
    "440305",
    "440106",
    "330106",
    "510107",
    "320102",
    "420111",
    "610113",
    "210202",
    "370202",
    "350203",
)
US_AREAS = ("212", "415", "646", "312", "617", "206", "213", "305", "512", "718")
FIRST = ("jane", "li.wei", "john", "maria", "wang_fang", "alex", "chen", "sam", "olivia", "zhang.min")
LAST = ("doe", "smith", "garcia", "liu", "mueller", "brown", "zhao", "khan", "rossi", "ng")
DOMAINS = (
    "example.com",
    "mail.example.org",
    "163.com",
    "qq.com",
    "outlook.com",
    "company.co.uk",
    "gmail.com",
    "uni-berlin.de",
    "sina.cn",
)


def email(rng: random.Random) -> str:
    shape = rng.choice(("{f}.{l}", "{f}{n}", "{f}_{l}{n}", "{l}.{f}", "{f}+news"))
    local = shape.format(f=rng.choice(FIRST), l=rng.choice(LAST), n=rng.randint(1, 99))
    return f"{local}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    while True:
        kind = rng.choice(("cn", "cn", "cn_fmt", "cn_intl", "us", "us_intl", "gb", "de"))
        value = _phone_of_kind(rng, kind)
        region = None if value.startswith("+") else ("US" if kind == "us" else "CN")
        if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
            return value


def _phone_of_kind(rng: random.Random, kind: str) -> str:
    mobile = rng.choice(("138", "139", "136", "150", "158", "186", "187", "135", "177", "199"))
    rest = "".join(rng.choices(string.digits, k=8))
    exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    line = f"{rng.randint(0, 9999):04d}"
    return {
        "cn": f"{mobile}{rest}",
        "cn_fmt": f"{mobile}-{rest[:4]}-{rest[4:]}"
        if rng.random() < 0.5
        else f"{mobile} {rest[:4]} {rest[4:]}",
        "cn_intl": f"+86 {mobile} {rest[:4]} {rest[4:]}",
        "us": f"({rng.choice(US_AREAS)}) {exchange}-{line}",
        "us_intl": f"+1 {rng.choice(US_AREAS)} {exchange} {line}",
        "gb": f"+44 20 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "de": f"+49 30 {rng.randint(1000000, 9999999)}",
    }[kind]


def credit_card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        (
            ("4", 16),
            ("51", 16),
            ("55", 16),
            ("2221", 16),
            ("34", 15),
            ("37", 15),
            ("62", 16),
            ("6011", 16),
            ("4", 16),
        )
    )
    body = prefix + "".join(rng.choices(string.digits, k=length - len(prefix) - 1))
    number = body + luhn.calc_check_digit(body)
    return _group(number, rng, (4, 6, 5) if length == 15 else (4, 4, 4, 4))


def _group(number: str, rng: random.Random, sizes: tuple[int, ...]) -> str:
    separator = rng.choice((" ", "-", ""))
    parts, start = [], 0
    for size in sizes:
        parts.append(number[start : start + size])
        start += size
    return separator.join(parts)


def bad_luhn_card(rng: random.Random) -> str:
    number = credit_card(rng).replace(" ", "").replace("-", "")
    last = str((int(number[-1]) + rng.randint(1, 9)) % 10)
    return _group(number[:-1] + last, rng, (4, 4, 4, 4) if len(number) == 16 else (4, 6, 5))


IBAN_BBAN = {"DE": "N18", "GB": "A4N14", "NL": "A4N10", "AT": "N16", "CH": "N17", "IE": "A4N14"}


def iban_number(rng: random.Random, *, valid: bool = True) -> str:
    while True:
        country = rng.choice(tuple(IBAN_BBAN))
        shape = IBAN_BBAN[country]
        letters = int(shape[1]) if shape.startswith("A") else 0
        digits = int(shape.split("N")[1])
        bban = "".join(rng.choices(string.ascii_uppercase, k=letters)) + "".join(
            rng.choices(string.digits, k=digits)
        )
        check = iban.calc_check_digits(country + "00" + bban)
        if not valid:
            check = f"{(int(check) + rng.randint(1, 90)) % 97 + 2:02d}"
        number = country + check + bban
        if iban.is_valid(number) == valid:
            grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
            return grouped if rng.random() < 0.7 else number


def cn_ric(rng: random.Random, *, valid: bool = True) -> str:
    """A resident id whose region code existed at the birth date (stdnum checks that too)."""
    while True:
        birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body = rng.choice(CN_REGIONS) + birth + f"{rng.randint(0, 999):03d}"
        check = ric.calc_check_digit(body + "0")
        if ric.is_valid(body + check):
            break
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return body + check


def us_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def national_id(rng: random.Random) -> str:
    return cn_ric(rng) if rng.random() < 0.6 else us_ssn(rng)


def ip_address(rng: random.Random) -> str:
    if rng.random() < 0.7:
        first = rng.choice((10, 172, 192, 8, 34, 52, 104, 203))
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    return "2001:db8::" + ":".join(groups[:3]) if rng.random() < 0.5 else ":".join(groups)


def secret(rng: random.Random) -> str:
    alnum = string.ascii_letters + string.digits
    kind = rng.choice(("aws", "github", "slack", "stripe", "google", "openai", "hf", "jwt"))
    pick = lambda k, chars=alnum: "".join(rng.choices(chars, k=k))  # noqa: E731
    return {
        "aws": "AKIA" + pick(16, string.ascii_uppercase + string.digits),
        "github": "ghp_" + pick(36),
        "slack": f"xoxb-{pick(11, string.digits)}-{pick(12, string.digits)}-{pick(24)}",
        "stripe": "sk_live_" + pick(24),
        "google": "AIza" + pick(35, alnum + "_-"),
        "openai": "sk-proj-" + pick(40, alnum + "_-"),
        "hf": "hf_" + pick(34),
        "jwt": f"eyJ{pick(20)}.eyJ{pick(30)}.{pick(40, alnum + '_-')}",
    }[kind]


def assigned_password(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits + "!#%&*", k=rng.randint(12, 20)))


GENERATORS = {
    "email": email,
    "phone": phone,
    "credit_card": credit_card,
    "iban": iban_number,
    "national_id": national_id,
    "ip_address": ip_address,
    "secret": secret,
}
NEGATIVE_VALUES = {
    "bad_luhn": bad_luhn_card,
    "bad_ric": lambda rng: cn_ric(rng, valid=False),
    "bad_iban": lambda rng: iban_number(rng, valid=False),
    "password": assigned_password,
}


def fill(template: str, values: dict[str, tuple[str, str | None]]) -> tuple[str, list[dict]]:
    """``template`` with ``{slot}``s replaced; a slot with a category becomes a gold span."""
    text, spans, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        text += before
        value, category = values[slot]
        if category:
            spans.append({"start": len(text), "end": len(text) + len(value), "category": category})
        text += value
    return text + rest, spans


def positive_records(rng: random.Random) -> list[dict]:
    records = []
    for category, make in GENERATORS.items():
        for _ in range(POSITIVES_PER_CATEGORY):
            template = rng.choice(CARRIERS[category])
            values = {"v": (make(rng), category), "password": (assigned_password(rng), "secret")}
            text, spans = fill(template, values)
            records.append({"text": text, "spans": spans, "kind": "positive"})
    for before, phrase, after in INJECTIONS:
        text = before + phrase + after
        spans = [{"start": len(before), "end": len(before) + len(phrase), "category": "prompt_injection"}]
        records.append({"text": text, "spans": spans, "kind": "positive"})
    for before, value, after, category in WILD_POSITIVES:
        spans = [{"start": len(before), "end": len(before) + len(value), "category": category}]
        records.append({"text": before + value + after, "spans": spans, "kind": "wild_positive"})
    return records


def mixed_records(rng: random.Random) -> list[dict]:
    records = []
    for template in MIXED_TEMPLATES:
        values = {name: (make(rng), name) for name, make in GENERATORS.items()}
        text, spans = fill(template, values)
        records.append({"text": text, "spans": spans, "kind": "mixed"})
    return records


def negative_records(rng: random.Random) -> list[dict]:
    records = []
    for template in HARD_NEGATIVE_TEMPLATES:
        values = {name: (make(rng), None) for name, make in NEGATIVE_VALUES.items()}
        text, _ = fill(template, values)
        records.append({"text": text, "spans": [], "kind": "hard_negative"})
    records += [{"text": text, "spans": [], "kind": "clean"} for text in CLEAN_TEXTS]
    return records


def build_records(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    records = positive_records(rng) + mixed_records(rng) + negative_records(rng)
    rng.shuffle(records)
    return [{"id": f"s{index:04d}", **record} for index, record in enumerate(records, start=1)]


def main() -> int:
    records = build_records()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for record in records:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    print(f"wrote {len(records)} texts to {OUTPUT}: {kinds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
