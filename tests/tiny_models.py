"""Tiny random models for tests: a WordPiece tokenizer learnt on the fly plus a small config.

Seconds on a CPU, no hub access. ``make_tiny_bert`` writes a Hugging Face folder (safetensors) that
``workbench.models.load_base_model`` accepts like any downloaded model.
"""

from __future__ import annotations

from pathlib import Path

_VOCABULARY = (
    "the a movie film plot acting ending music story was is were great terrible good bad awful "
    "wonderful boring fun brilliant dull refund card payment transfer account balance help please "
    "my i you it not very really quite and but so money bank late lost stolen declined pin atm cash "
    "love hate like enjoyed loved hated excellent poor fine okay amazing worst best slow fast"
)
WORDS = _VOCABULARY.split()


def learn_vocabulary(corpus: list[str], vocab_size: int) -> dict[str, int]:
    """A WordPiece vocabulary learnt from ``corpus``: special tokens, every character of the corpus
    plus digits and punctuation (word-initial and ``##`` continuation, so no such word is unknown),
    then whole words by frequency.

    Built here rather than with ``tokenizers``' WordPiece trainer because that trainer breaks ties in
    hash order, which changes from one process to the next: token ids (and so every tiny model trained
    on them) would differ between test runs.
    """
    import string
    from collections import Counter

    words = Counter(word for text in corpus for word in text.lower().split())
    chars = sorted({c for word in words for c in word} | set(string.digits + string.punctuation))
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars)]
    budget = max(0, vocab_size - len(tokens))
    ranked = sorted((w for w in words if w not in tokens), key=lambda w: (-words[w], w))
    return {token: i for i, token in enumerate(tokens + ranked[:budget])}


def train_tokenizer(extra_texts: list[str] | None = None, vocab_size: int = 400, max_length: int = 64):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    corpus = [" ".join(WORDS[i:] + WORDS[:i]) for i in range(len(WORDS))] + list(extra_texts or [])
    vocab = learn_vocabulary(corpus, vocab_size)
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
    )


def make_tiny_bert(
    folder: Path,
    layers: int = 4,
    hidden: int = 32,
    seed: int = 0,
    texts: list[str] | None = None,
    vocab_size: int = 400,
) -> Path:
    """Write a tiny random BERT encoder (no head) with its tokenizer to ``folder``; ``texts`` add
    their words to the vocabulary (e.g. the sample data, so a tiny model can learn it)."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=hidden * 2,
        max_position_embeddings=64,
    )
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_tiny_gpt2(folder: Path, layers: int = 2, hidden: int = 32, seed: int = 0) -> Path:
    """A tiny decoder-only model (GPT-2 style, no pad token set) to test decoder LLM support."""
    import torch
    from transformers import GPT2Config, GPT2Model

    torch.manual_seed(seed)
    tokenizer = train_tokenizer()
    tokenizer.pad_token = None
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=hidden, n_layer=layers, n_head=4, n_positions=64)
    folder.mkdir(parents=True, exist_ok=True)
    GPT2Model(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def train_seq2seq_tokenizer(texts: list[str], max_length: int = 64):
    """A WordPiece tokenizer over both languages' words for tiny seq2seq models: ``[PAD]`` pads and
    starts the decoder, ``[SEP]`` ends every sequence (the role ``</s>`` has in Marian and T5).

    Marian's own tokenizer needs sentencepiece models (``source.spm``/``target.spm``), which cannot be
    trained without the sentencepiece package; a fast tokenizer saved beside the model loads through
    ``AutoTokenizer`` exactly like a real folder's, which is all the workbench relies on.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = learn_vocabulary(list(texts), vocab_size=10_000)
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="$A [SEP]", pair="$A [SEP] $B:1 [SEP]:1", special_tokens=[("[SEP]", vocab["[SEP]"])]
    )
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        eos_token="[SEP]",
        model_max_length=max_length,
    )


def _seq2seq_ids(tokenizer) -> dict[str, int]:
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    return {"pad_token_id": pad, "eos_token_id": eos, "decoder_start_token_id": pad}


def _save_seq2seq(model, tokenizer, folder: Path) -> Path:
    from transformers import GenerationConfig

    ids = _seq2seq_ids(tokenizer)
    model.generation_config = GenerationConfig(**ids, num_beams=1)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_tiny_marian(
    folder: Path, texts: list[str], hidden: int = 64, layers: int = 2, seed: int = 0
) -> Path:
    """A tiny random MarianMT (shared embeddings, sinusoidal positions, like opus-mt) for ``texts``."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    torch.manual_seed(seed)
    tokenizer = train_seq2seq_tokenizer(texts)
    config = MarianConfig(
        vocab_size=len(tokenizer),
        decoder_vocab_size=len(tokenizer),
        d_model=hidden,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=hidden * 2,
        decoder_ffn_dim=hidden * 2,
        max_position_embeddings=64,
        dropout=0.0,  # a tiny model learns a small set by heart much faster without dropout
        attention_dropout=0.0,
        # at Marian's own 0.02 the (sqrt(d_model)-scaled) word embeddings are drowned by the sinusoidal
        # positions in so narrow a model, and the encoder's output barely depends on the words
        init_std=hidden**-0.5,
        forced_eos_token_id=tokenizer.eos_token_id,
        **_seq2seq_ids(tokenizer),
    )
    return _save_seq2seq(MarianMTModel(config), tokenizer, folder)


def make_tiny_t5(folder: Path, texts: list[str], hidden: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """A tiny random T5 (relative position buckets, gated-free ReLU feed-forward) for ``texts``."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = train_seq2seq_tokenizer(texts)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=hidden,
        d_kv=hidden // 4,
        d_ff=hidden * 2,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=4,
        dropout_rate=0.0,
        **_seq2seq_ids(tokenizer),
    )
    return _save_seq2seq(T5ForConditionalGeneration(config), tokenizer, folder)


def make_keyword_tiny_bert(folder: Path, epochs: int = 8, seed: int = 0) -> Path:
    """A tiny BERT "pretrained" to tell which keyword a sentence holds (ten-way: each of the toy
    sentiment words is its own class, positive and negative never grouped), the head then dropped.

    Adapter methods that only re-use what the encoder computes (IA³ rescales its activations) need a
    base whose [CLS] vector depends on the words, as in any real pretrained encoder: in a random tiny
    BERT it is nearly constant (a linear probe on the pooled vector is at chance), so nothing can learn
    there without changing the encoder's weights.
    """
    import random

    import torch
    from toy_data import FILLER, NEGATIVE, POSITIVE
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    make_tiny_bert(folder, seed=seed)
    keywords = POSITIVE + NEGATIVE
    tokenizer = AutoTokenizer.from_pretrained(folder)
    config = BertConfig.from_pretrained(folder, num_labels=len(keywords))
    torch.manual_seed(seed)
    model = BertForSequenceClassification.from_pretrained(folder, config=config)
    rng = random.Random(seed)
    rows = []
    for i in range(320):
        words = [*rng.sample(FILLER, 4), keywords[i % len(keywords)]]
        rng.shuffle(words)
        rows.append((" ".join(words), i % len(keywords)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        rng.shuffle(rows)
        for start in range(0, len(rows), 16):
            texts, labels = zip(*rows[start : start + 16], strict=True)
            batch = tokenizer(list(texts), padding=True, return_tensors="pt")
            model(**batch, labels=torch.tensor(labels)).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    model.bert.save_pretrained(folder)
    return folder
