"""Write ``benchmarks/data/injection_benign_posts_{dev,test}.jsonl``: social-media posts, benign.

Usage::

    python benchmarks/make_posts_set.py          # reads ../shared/data/wnut17/

Why: the default injection classifier took half of English tweets (TweetEval, never trained on) for
injections: its benign training texts are prompts (questions, instructions, customer messages), so a
casual remark with an @handle, a #tag or a link looked like nothing it knew as benign. An application
that feeds posts, comments or chat messages to a model, or lets users write that way, needs the
classifier to know them.

What (nothing here was written on this project): the sentences of the three WNUT-17 files in
``../shared/data/wnut17/`` (Derczynski et al. 2017, "Results of the WNUT2017 Shared Task on Novel and
Emerging Entity Recognition", CC BY 4.0): the training file's tweets (handles, retweets, hashtags and
links as posted) and the development and test files' Reddit, YouTube, StackExchange and Twitter
comments. The files hold one token a line; a sentence's tokens are joined with spaces and the spaces the
tokenization put before punctuation and inside contractions ("do n ' t") are taken out again. Posts of
fewer than ``MIN_WORDS`` words are left out, each text once.

Split by a hash of the text, as ``make_chinese_set.py`` splits (alternately in the order of the texts'
SHA-256): the test part is only scored; of the other half, the dev part keeps every ``DEV_EVERY``-th post
(in the files' order) and trains the classifier (it is one of ``workbench safety train-injection``'s
default sources). Why not all of that half: posts are easy to learn and many of them make the classifier
shy of attacks; trained on all 2,673 it caught 0.938 of the test part's injections, on a quarter 0.954
(both with the same false alarms on posts, 0.1-0.2 %; README, "Posts and tweets"). Half since 2026-12-07:
with 171 more prompt leaks among its attacks (``injection_leaks_train.jsonl``) the classifier trained on a
quarter flagged 15 of the 2,004 posts of the dev half it never saw (7 before the leaks); on half, 3 of
the 1,336 it then never saw (5 and 7 for the two classifiers before). The posts left out of the dev part
are that held-out check (``benchmarks/injection_history.md``, 2026-12-07).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from _common import SHARED_DATA, benign_parts, write_parts
from make_chinese_set import halves

from workbench.data.token_files import read_conll

FILES = ("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated")
SOURCE = "WNUT-17 (Derczynski et al. 2017, leondz/emerging_entities_17 @ e52a2d2a; CC BY 4.0)"
MIN_WORDS = 4
DEV_EVERY = 2

_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}]|'s\b|'m\b|'re\b|'ve\b|'ll\b|'d\b|n't\b)")
_SPACE_AFTER = re.compile(r"([(\[{]) ")
_SPLIT_APOSTROPHE = re.compile(r"(\w) ' (\w)")  # "it ' s", "don ' t" in the comment files


def post_text(tokens: list[str]) -> str:
    """The tokens as one text, without the spaces tokenization added before punctuation."""
    text = _SPLIT_APOSTROPHE.sub(r"\1'\2", " ".join(tokens))
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text)).replace(" n't", "n't")


def posts(folder: Path) -> list[str]:
    seen, kept = set(), []
    for name in FILES:
        parsed = read_conll((folder / name).read_text(encoding="utf-8"))
        for record in parsed.records:
            text = post_text(record.tokens)
            if len(text.split()) >= MIN_WORDS and text not in seen:
                seen.add(text)
                kept.append(text)
    return kept


def build(texts: list[str]) -> dict[str, list[dict]]:
    return benign_parts(texts, halves(texts), "post", "benign_post", SOURCE, DEV_EVERY)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wnut", type=Path, default=SHARED_DATA / "wnut17", help="the WNUT-17 folder")
    args = parser.parse_args(argv)
    try:
        texts = posts(args.wnut)
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: {error}: the folder needs {', '.join(FILES)}", file=sys.stderr)
        return 2
    write_parts(build(texts), "injection_benign_posts", "posts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
