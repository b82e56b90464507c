"""How often numbered placeholders survive translation, per placeholder style.

Usage::

    python benchmarks/seq2seq_placeholders.py --tiny                 # trains the tiny copy Marian (~1 min)
    python benchmarks/seq2seq_placeholders.py --model MODEL_ID --texts texts.txt

Each text's personal data (e-mails, card numbers...) is replaced by placeholders of each style, as
``predict_checked`` does; the table shows the share of placeholders the tokenizer alone keeps
(encode + decode), the share the model writes back exactly once, and the share of texts with every
placeholder intact. ``--tiny`` trains the tiny copy Marian of the tests (on ``[n]`` placeholders only,
so only the ``bracket`` style is meaningful there) and measures it on sentences it never saw, each
holding an e-mail address and sometimes a card number.

Exits 1 when the model keeps fewer than ``--target`` (default 0.9) of the placeholders of the first style.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]  # this checkout's workbench
from _common import check_targets, machine_info, print_table  # noqa: E402

PII = ("jane.doe@example.com", "4111 1111 1111 1111")


def tiny_copy_model(workdir: Path) -> tuple[str, list[str]]:
    """Train the tests' tiny copy Marian into a throwaway registry; texts: unseen sentences with PII."""
    import os

    sys.path.insert(0, str(ROOT / "tests"))
    os.environ["WORKBENCH_HOME"] = str(workdir / "home")
    import torch
    from seq2seq_copy import held_out_sources, train_copy_model

    torch.set_num_threads(1)
    model_id = train_copy_model(workdir, workdir / "home", epochs=20)
    texts = [s.replace("[1]", PII[0]).replace("[2]", PII[1]) for s in held_out_sources()]
    return model_id, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="registry model id of a seq2seq model")
    parser.add_argument("--texts", type=Path, help="plain-text file, one source per line, holding PII")
    parser.add_argument("--tiny", action="store_true", help="train and measure the tiny copy Marian")
    parser.add_argument("--styles", default="bracket,dunder,angle", help="comma-separated styles")
    parser.add_argument("--target", type=float, default=0.9, help="least model survival of the first style")
    args = parser.parse_args(argv)
    if args.tiny == bool(args.model):
        parser.error("give either --tiny or --model (with --texts)")
    workdir = Path(tempfile.mkdtemp(prefix="placeholders-"))
    if args.tiny:
        started = time.perf_counter()
        model_id, texts = tiny_copy_model(workdir)
        print(f"tiny copy Marian trained in {time.perf_counter() - started:.0f} s")
    else:
        if args.texts is None:
            parser.error("--model needs --texts")
        model_id, texts = args.model, [t for t in args.texts.read_text().splitlines() if t.strip()]

    from workbench.inference.placeholder_survival import measure_placeholder_survival
    from workbench.inference.predict import load_model
    from workbench.safety import resolve_rules

    loaded, rules = load_model(model_id), resolve_rules(None)
    print(f"model {model_id}, {len(texts)} texts; {machine_info()}\n")
    rows = [
        measure_placeholder_survival(loaded, texts, style, rules=rules).to_dict()
        for style in args.styles.split(",")
    ]
    print_table(
        rows, ["style", "texts", "placeholders", "tokenizer_survival", "model_survival", "intact_texts"]
    )
    first = rows[0]
    return check_targets(
        [(f"{first['style']} placeholders survive the model", first["model_survival"] >= args.target,
          f"{first['model_survival']:.1%} (target {args.target:.0%})")]
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
