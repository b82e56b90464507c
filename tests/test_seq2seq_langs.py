"""Language codes of multilingual (NLLB/M2M-shaped) translation models: the codes a tokenizer knows,
clear messages for unknown or missing codes and for models without codes (Marian, T5), sources laid
out as NLLB itself does, the target forced as the first token, and training saving the direction."""

from __future__ import annotations

import pytest
from seq2seq_data import all_texts, write_parallel_csv

from workbench.errors import SpecError
from workbench.inference.generation import GenerationSpec, generate_texts
from workbench.tasks.seq2seq_langs import (
    check_languages,
    encode_with_language,
    language_codes,
    language_token_id,
)


def _word_bpe(words: list[str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A BPE vocabulary whose merges rebuild each whole word ("▁" + word) from its characters."""
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    merges: list[tuple[str, str]] = []
    for word in words:
        pieces = ["▁", *word]
        for piece in pieces:
            vocab.setdefault(piece, len(vocab))
        prefix = pieces[0]
        for piece in pieces[1:]:
            if (prefix, piece) not in merges:
                merges.append((prefix, piece))
            prefix += piece
            vocab.setdefault(prefix, len(vocab))
    return vocab, merges


@pytest.fixture(scope="module")
def tiny_nllb_dir(tmp_path_factory):
    """A tiny random NLLB-shaped model (M2M100 architecture, NLLB tokenizer with its 200+ codes)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    torch.manual_seed(0)
    vocab, merges = _word_bpe(sorted({w for text in all_texts() for w in text.split()}))
    tokenizer = NllbTokenizer(vocab=vocab, merges=merges)
    config = M2M100Config(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2, dropout=0.0,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-nllb") / "model"
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def nllb(tiny_nllb_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    return AutoModelForSeq2SeqLM.from_pretrained(tiny_nllb_dir), AutoTokenizer.from_pretrained(tiny_nllb_dir)


@pytest.fixture(scope="module")
def marian_tokenizer(tmp_path_factory):
    from tiny_models import train_seq2seq_tokenizer

    return train_seq2seq_tokenizer(all_texts())


def test_the_tokenizer_knows_the_nllb_codes(nllb):
    assert (
        nllb[1].decode(nllb[1]("die katze schläft")["input_ids"], skip_special_tokens=True)
        == "die katze schläft"
    )
    codes = language_codes(nllb[1])
    assert {"eng_Latn", "deu_Latn", "zho_Hans"} <= set(codes) and len(codes) >= 200


def test_codes_are_laid_out_as_nllb_itself_does(nllb):
    _, tokenizer = nllb
    ids = encode_with_language(tokenizer, ["the cat sleeps"], "deu_Latn", max_length=64)[0]
    assert ids[0] == language_token_id(tokenizer, "deu_Latn") and ids[-1] == tokenizer.eos_token_id
    tokenizer.src_lang = "deu_Latn"  # the tokenizer's own layout for that source language
    try:
        assert tokenizer("the cat sleeps")["input_ids"] == ids
    finally:
        tokenizer.src_lang = "eng_Latn"


def test_the_target_code_is_forced_as_the_first_token(nllb):
    import torch

    model, tokenizer = nllb
    spec = GenerationSpec(max_new_tokens=6, source_lang="eng_Latn", target_lang="deu_Latn")
    got = generate_texts(model, tokenizer, ["the dog runs"], spec)[0]
    ids = torch.tensor(encode_with_language(tokenizer, ["the dog runs"], "eng_Latn", 64))
    deu = language_token_id(tokenizer, "deu_Latn")
    out = model.generate(
        input_ids=ids, max_new_tokens=6, forced_bos_token_id=deu, num_beams=1, do_sample=False
    )
    assert out[0, 1].item() == deu  # decoder start, then the target language
    assert got == [tokenizer.decode(out[0], skip_special_tokens=True).strip()]


def test_unknown_and_missing_codes_are_named_with_close_matches(nllb):
    with pytest.raises(SpecError) as caught:
        check_languages(nllb[1], "english", "deu_latn")
    assert caught.value.problems[0].startswith("Unknown source language code 'english': this model knows ")
    assert caught.value.problems[1].endswith("Did you mean deu_Latn?")
    with pytest.raises(SpecError, match=r"^Give the target language too \(--target-lang\)"):
        check_languages(nllb[1], "eng_Latn", None)


def test_a_model_without_codes_refuses_them_and_says_why(marian_tokenizer):
    assert check_languages(marian_tokenizer, None, None) is False
    with pytest.raises(
        SpecError, match=r"apply to multilingual models with language codes \(NLLB, M2M100\); this model's"
    ):
        check_languages(marian_tokenizer, "eng_Latn", "deu_Latn")


def test_training_saves_the_direction_with_the_model(tiny_nllb_dir, tmp_path):
    from transformers import AutoTokenizer, GenerationConfig

    from workbench.inference.predict import load_model
    from workbench.models.registry import Registry
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    data = write_parallel_csv(tmp_path)
    spec = TrainSpec(
        train_data=str(data), eval_data=str(data), base_model=str(tiny_nllb_dir), task="seq2seq", name="nllb",
        epochs=1, batch_size=8, source_lang="eng_Latn", target_lang="deu_Latn",
    )  # fmt: skip
    result = train(spec)
    folder = Registry().path(result.model_id)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    deu = language_token_id(tokenizer, "deu_Latn")
    assert GenerationConfig.from_pretrained(folder).forced_bos_token_id == deu
    assert tokenizer.src_lang == "eng_Latn"
    loaded = load_model(result.model_id)
    assert loaded.predict(["the cat sleeps at home"])  # generates with the saved direction


def test_cli_names_a_bad_code(tiny_nllb_dir, tmp_path, capsys):
    from workbench.cli.main import main

    data = write_parallel_csv(tmp_path)
    code = main(["train", str(data), "--model", str(tiny_nllb_dir), "--task", "seq2seq", "--epochs", "1",
                 "--source-lang", "eng_Latn", "--target-lang", "german"])  # fmt: skip
    assert code == 2
    assert "Unknown target language code 'german': this model knows" in capsys.readouterr().err
