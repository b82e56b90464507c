"""Turn the bytes of an uploaded text file into ``str`` without guessing wrong silently.

Order: byte-order marks (UTF-8, UTF-16, UTF-32), NUL bytes (UTF-16 without a BOM; a few stray NULs
in otherwise valid UTF-8, which database and spreadsheet exports leave behind, are kept for the reader
to remove and report per cell; anything else is a binary file), strict UTF-8, then GB18030 when the result reads like Chinese, and only then
``charset-normalizer`` (Windows-1252 exports from Excel would otherwise turn into Chinese-looking
mojibake under GB18030).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence

from workbench.data.messages import list_items
from workbench.errors import DataError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF_BYTES = 1 << 16
GB2312_SHARE = 0.9  # share of non-ASCII characters that must be common Chinese for GB18030 to win
STRAY_NUL_SHARE = 0.01  # at most this share of NUL bytes (and valid UTF-8 around them) is a text file
_SAVE_AS_UTF8 = "Save it as UTF-8 (in Excel: Save As → 'CSV UTF-8') and try again."


def file_lines(text: str) -> list[str]:
    """The lines of a data file as JSON lines and CoNLL define them: split at ``\\n`` (``\\r\\n`` too), no
    trailing empty line. ``str.splitlines`` also splits at U+2028, U+0085 and \\x0b-\\x0c, \\x1c-\\x1e,
    which a JSON string may hold unescaped: it cut valid records in two (six lines of the public test
    part, written by ``json.dumps(ensure_ascii=False)``, read as twelve broken ones)."""
    lines = text.split("\n" if "\n" in text or "\r" not in text else "\r")  # "\r" alone: old Mac files
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ``DataError`` for binary or undecodable files."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_strict(data, encoding, source), encoding
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        encoding = _bomless_utf16(head)
        if encoding is None and has_stray_nuls(data):
            return data.decode("utf-8"), "utf-8"
        if encoding is None:
            raise DataError(
                f"{source} looks like a binary file (it contains NUL bytes), not a text table. "
                "Export it as CSV (UTF-8), Excel (.xlsx) or JSON lines."
            )
        return _decode_strict(data, encoding, source), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
        if _reads_like_chinese(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    guessed = _guess_with_charset_normalizer(data)
    if guessed is not None:
        return guessed
    raise DataError(
        f"{source} is not valid text in UTF-8, UTF-16 or GB18030 (undecodable byte "
        f"0x{data[utf8_error.start]:02x} at offset {utf8_error.start:,}); it may be garbled or binary. "
        + _SAVE_AS_UTF8
    )


def _decode_strict(data: bytes, encoding: str, source: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source} starts like {encoding.upper()} but has an undecodable byte at offset "
            f"{exc.start:,}; the file is damaged. " + _SAVE_AS_UTF8
        ) from None
    if "\x00" in text and text.count("\x00") > STRAY_NUL_SHARE * len(text):
        raise DataError(
            f"{source} contains NUL characters; it is binary or damaged, not a text table. " + _SAVE_AS_UTF8
        )
    return text


def has_stray_nuls(data: bytes) -> bool:
    """A few NUL bytes in what is otherwise valid UTF-8 text (binary files have many, or invalid bytes)."""
    if data.count(0) > STRAY_NUL_SHARE * len(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bomless_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM puts a NUL in every other byte of ASCII text; anything else is binary."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.6 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.6 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def _reads_like_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte string, so accept it only when it yields common hanzi."""
    non_ascii = [ch for ch in text[:SNIFF_BYTES] if ord(ch) > 127]
    if not non_ascii:
        return True
    common = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(non_ascii) >= GB2312_SHARE


def _guess_with_charset_normalizer(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: SNIFF_BYTES * 4]).best()
    if best is None:
        return None
    encoding = best.encoding
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return None


# Half of a UTF-16 surrogate pair: JSON can carry one ("\\ud800" without its partner) and Python keeps it
# in a ``str``, but it is not a character: UTF-8 cannot encode it, so tokenizers, logs and exports fail.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogates(
    texts: Sequence[object], place: Callable[[int], str] = "text at index {}".format
) -> str | None:
    """What is wrong when some of ``texts`` hold a lone surrogate (None when none does): each named by
    ``place(i)`` ("line 3"; by default "text at index i"), with the first one's code point and position."""
    bad = []
    for index, text in enumerate(texts):
        if isinstance(text, str) and not text.isascii():
            found = _LONE_SURROGATE.search(text)
            if found is not None:
                bad.append((place(index), found))
    if not bad:
        return None
    places_shown = list_items(list(dict.fromkeys(where for where, _ in bad)), limit=5)
    found = bad[0][1]
    return (
        f"Not valid Unicode: {places_shown}. The first holds U+{ord(found.group()):04X} at character "
        f"{found.start()}, half of a UTF-16 surrogate pair (a JSON escape such as \\ud800 without its "
        "partner), which no model, log or export can take. Send the text as UTF-8 (a whole pair such as "
        "\\ud83d\\ude00 is fine), or drop that character."
    )
