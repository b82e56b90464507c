"""Seconds to explain the translation of a 20-word sentence with SHAP (fast mode), per model size.

Usage: ``python benchmarks/seq2seq_explain_speed.py [--model MODEL_ID] [--skip-opus]``

Measures a tiny random Marian (the tests' size) and a Marian of opus-mt shape (d_model 512, 6+6
layers, 58,101-token vocabulary; random weights, so its output length is pinned to the source's token
count, as a real translation's roughly is), and with ``--model`` a registry seq2seq model. Each is
explained twice and the second (warm) run is reported: the first also pays shap's one-off start-up.
Exits 1 when the tiny model misses the fast mode's time target (``explain.spec.SECONDS_TARGETS``);
the opus-mt-shaped row is reported against it, not required to meet it (it is marked slow instead).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent), str(ROOT / "tests")]
from _common import check_targets, machine_info, print_table  # noqa: E402

SENTENCE = (
    "the teacher told my friend that the small dog runs in the garden every morning "
    "before our neighbour sings by the river"
)
OPUS_SHAPE = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "vocab": 58101}


def publish_marian(name: str, shape: dict[str, int], registry) -> str:
    """A random Marian of ``shape`` with the tests' WordPiece tokenizer, published to ``registry``."""
    import torch
    from tiny_models import _save_seq2seq, _seq2seq_ids, train_seq2seq_tokenizer
    from transformers import MarianConfig, MarianMTModel

    from workbench.models.registry import ModelRecord

    torch.manual_seed(0)
    tokenizer = train_seq2seq_tokenizer([SENTENCE])
    vocab = max(shape["vocab"], len(tokenizer))
    config = MarianConfig(
        vocab_size=vocab, decoder_vocab_size=vocab, d_model=shape["d_model"],
        encoder_layers=shape["layers"], decoder_layers=shape["layers"],
        encoder_attention_heads=shape["heads"], decoder_attention_heads=shape["heads"],
        encoder_ffn_dim=shape["ffn"], decoder_ffn_dim=shape["ffn"], max_position_embeddings=512,
        **_seq2seq_ids(tokenizer),
    )  # fmt: skip
    staging = registry.staging_dir()
    _save_seq2seq(MarianMTModel(config), tokenizer, staging)
    record = ModelRecord(id=name, name=name, task="seq2seq", labels=[], base_model="random", max_length=128)
    return registry.publish(staging, record).id


def timed(model_id: str, pin_length: bool, registry=None) -> dict:
    from explain.seq2seq import explain_generations
    from explain.spec import ExplainSpec
    from workbench.inference.generation import GenerationSpec
    from workbench.inference.predict import load_model

    loaded = load_model(model_id, registry)
    n_source = len(loaded.tokenizer(SENTENCE)["input_ids"])
    generation = None
    if pin_length:  # random weights never stop by themselves: make the "translation" as long as the source
        loaded.model.generation_config.min_new_tokens = n_source
        generation = GenerationSpec(max_new_tokens=n_source)
    spec = ExplainSpec(use_cache=False, faithfulness_k=0)
    explain_generations(loaded, [SENTENCE], spec, generation=generation)  # warm-up: shap's start-up
    started = time.perf_counter()
    [result] = explain_generations(loaded, [SENTENCE], spec, generation=generation)
    seconds = time.perf_counter() - started
    row = {
        "model": model_id, "source_tokens": len(result.tokens), "output_tokens": len(result.output_names),
        "evals": result.evals, "seconds": seconds, "slow": result.settings.get("slow"),
    }  # fmt: skip
    print(row, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="also a registry seq2seq model id")
    parser.add_argument("--skip-opus", action="store_true", help="leave out the opus-mt-shaped Marian")
    args = parser.parse_args(argv)
    from explain.spec import SECONDS_TARGETS
    from workbench.models.registry import Registry

    scratch = Registry(Path(tempfile.mkdtemp(prefix="explain-seq2seq-")))  # the random models only
    print(f"{len(SENTENCE.split())}-word sentence; {machine_info()}\n")
    tiny = {"d_model": 64, "layers": 2, "heads": 4, "ffn": 128, "vocab": 0}
    rows = [timed(publish_marian("tiny-marian", tiny, scratch), True, scratch)]
    if not args.skip_opus:
        rows.append(timed(publish_marian("opus-mt-shape", OPUS_SHAPE, scratch), True, scratch))
    if args.model:
        rows.append(timed(args.model, False))
    print_table(rows, ["model", "source_tokens", "output_tokens", "evals", "seconds", "slow"])
    limit = SECONDS_TARGETS["fast"]
    return check_targets([("tiny Marian within the fast target", rows[0]["seconds"] <= limit,
                           f"{rows[0]['seconds']:.2f} s (≤ {limit:g} s)")])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
