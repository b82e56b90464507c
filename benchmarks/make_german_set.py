"""Write ``benchmarks/data/injection_benign_de_{dev,test}.jsonl``: everyday German sentences, benign.

Usage::

    git clone https://github.com/common-voice/common-voice /tmp/cv
    git -C /tmp/cv checkout 01ea2527ed82210b4f8145b2f9035a0b2c3c20bc
    python benchmarks/make_german_set.py --sentences /tmp/cv/server/data/de/sentence-collector.txt

or, with only the ten windows copied (``window_0.txt`` ... ``window_9.txt``, each the ``WIDTH``
characters of that file from character ``k * STEP``): ``--windows DIR``. Both give the same parts.

Why: the default injection classifier took 89 % of German tweets (GermEval 2018, never trained on) for
injections. Its German training texts were the deepset set's: about as many attacks as benign
questions, while its English ones are mostly benign, so "German" itself had become a sign of an attack.

What (nothing here was written on this project): sentences of ``server/data/de/sentence-collector.txt``
of **Mozilla Common Voice** (common-voice/common-voice at the commit above): German sentences people
submitted to the Sentence Collector to be read aloud, each approved by two reviewers; the collector takes
public-domain text only (CC0). Everyday speech: questions, exclamations, orders ("Ab ins Bett mit
euch!"), remarks; the benign German a deployment sees, orders included, which an injection rule must not
take for attacks. The file is sorted alphabetically, so ``WINDOWS`` evenly spaced windows of ``WIDTH``
characters give sentences from across the alphabet; whole lines only (a window's first line counts only
in the window at the file's start, its last only when the window ends on a line break), of at least
``MIN_WORDS`` words and at most ``MAX_CHARS`` characters, each once.

Split by a hash of the text, as ``make_chinese_set.py`` splits (alternately in the order of the texts'
SHA-256): the dev part may train the classifier (it is one of ``workbench safety train-injection``'s
default sources), the test part is only scored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import benign_parts, write_parts
from make_chinese_set import halves

COMMIT = "01ea2527ed82210b4f8145b2f9035a0b2c3c20bc"
SOURCE = f"common-voice/common-voice@{COMMIT[:7]} server/data/de/sentence-collector.txt (CC0)"
WINDOWS = 10
STEP = 172_000
WIDTH = 16_000
MIN_WORDS = 4
MAX_CHARS = 300


def window_sentences(start: int, chunk: str) -> list[str]:
    """The whole lines of the ``chunk`` that begins at character ``start`` of the file."""
    lines = chunk.split("\n")
    lines = lines[:-1]  # after the last line break: cut, or empty
    if start > 0:
        lines = lines[1:]  # may have begun before the window
    return [line.strip() for line in lines]


def sentences(chunks: list[tuple[int, str]]) -> list[str]:
    seen, kept = set(), []
    for start, chunk in chunks:
        for text in window_sentences(start, chunk):
            if len(text.split()) >= MIN_WORDS and len(text) <= MAX_CHARS and text not in seen:
                seen.add(text)
                kept.append(text)
    return kept


def chunks_of_file(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [(k * STEP, text[k * STEP : k * STEP + WIDTH]) for k in range(WINDOWS)]


def chunks_of_windows(folder: Path) -> list[tuple[int, str]]:
    chunks = []
    for k in range(WINDOWS):
        path = folder / f"window_{k}.txt"
        if not path.is_file():
            raise ValueError(f"{path} not found: copy {WIDTH} characters from character {k * STEP}")
        chunks.append((k * STEP, path.read_text(encoding="utf-8")))
    return chunks


def build(chunks: list[tuple[int, str]]) -> dict[str, list[dict]]:
    texts = sentences(chunks)
    return benign_parts(texts, halves(texts), "de", "benign_sentence_de", SOURCE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sentences", type=Path, help="sentence-collector.txt of the German folder")
    where.add_argument("--windows", type=Path, help="a folder of window_0.txt ... window_9.txt")
    args = parser.parse_args(argv)
    try:
        chunks = chunks_of_file(args.sentences) if args.sentences else chunks_of_windows(args.windows)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_parts(build(chunks), "injection_benign_de", "sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
