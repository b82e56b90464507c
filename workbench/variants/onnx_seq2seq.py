"""ONNX export of an encoder-decoder model for generation, and greedy / beam search over ONNX Runtime.

The optimum-style split, with ``torch.onnx.export`` (TorchScript exporter; optimum is not needed):

- ``encoder.onnx``: ``input_ids, attention_mask -> encoder_hidden_states``;
- ``decoder.onnx``: the first step, ``decoder_input_ids, encoder_hidden_states, encoder_attention_mask
  -> logits`` and every layer's self-attention and cross-attention keys/values (``present.*``);
- ``decoder_with_past.onnx``: each later step, one new token plus the past keys/values -> logits and
  the self-attention keys/values grown by one (cross-attention ones are computed once, then reused).

``OnnxSeq2SeqGenerator`` runs the three sessions: greedy (argmax) or beam search with the model's
length penalty, the past reordered with the beams. ``check_generation`` compares its tokens with
PyTorch's ``generate`` on the same sources.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ENCODER_FILE, DECODER_FILE, DECODER_PAST_FILE = "encoder.onnx", "decoder.onnx", "decoder_with_past.onnx"
OPSET = 17


def _wrappers(model: Any) -> tuple[Any, Any, Any]:
    """Three ``torch.nn.Module``s with plain-tensor inputs and outputs, one per exported graph."""
    import torch
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache
    from transformers.modeling_outputs import BaseModelOutput

    layers = _decoder_layers(model)

    def flat(cache: Any, cross: bool) -> list[Any]:
        out = []
        for i in range(layers):
            out += [cache.self_attention_cache.layers[i].keys, cache.self_attention_cache.layers[i].values]
            if cross:
                out += [
                    cache.cross_attention_cache.layers[i].keys,
                    cache.cross_attention_cache.layers[i].values,
                ]
        return out

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = model.get_encoder()

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)[0]

    class Decoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, decoder_input_ids: Any, encoder_hidden_states: Any, encoder_attention_mask: Any
        ) -> Any:
            out = self.model(
                attention_mask=encoder_attention_mask,
                encoder_outputs=BaseModelOutput(last_hidden_state=encoder_hidden_states),
                decoder_input_ids=decoder_input_ids,
                use_cache=True,
                return_dict=True,
            )
            return (out.logits, *flat(_cache_of(out), cross=True))

    class DecoderWithPast(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, decoder_input_ids: Any, encoder_hidden_states: Any, encoder_attention_mask: Any, *past: Any
        ) -> Any:
            own = DynamicCache([(past[4 * i], past[4 * i + 1]) for i in range(layers)])
            cross = DynamicCache([(past[4 * i + 2], past[4 * i + 3]) for i in range(layers)])
            out = self.model(
                attention_mask=encoder_attention_mask,
                encoder_outputs=BaseModelOutput(last_hidden_state=encoder_hidden_states),
                decoder_input_ids=decoder_input_ids,
                cache=EncoderDecoderCache(own, cross),
                use_cache=True,
                return_dict=True,
            )
            return (out.logits, *flat(_cache_of(out), cross=False))

    return Encoder().eval(), Decoder().eval(), DecoderWithPast().eval()


def _cache_of(output: Any) -> Any:
    return getattr(output, "cache", None) or output.past_key_values


def _decoder_layers(model: Any) -> int:
    from workbench.tasks.seq2seq_variants import decoder_layer_stack

    stack = decoder_layer_stack(model)
    if stack is None:
        raise ValueError(f"{type(model).__name__} has no decoder layer list the workbench recognises")
    return len(stack[0])


def _past_names(layers: int, prefix: str, cross: bool) -> list[str]:
    names = []
    for i in range(layers):
        names += [f"{prefix}.{i}.self.key", f"{prefix}.{i}.self.value"]
        if cross:
            names += [f"{prefix}.{i}.cross.key", f"{prefix}.{i}.cross.value"]
    return names


def export_seq2seq_onnx(model: Any, folder: Path) -> list[str]:
    """Write the three graphs of ``model`` (fp32, eval mode) into ``folder``; returns their file names."""
    import torch

    model = model.float().eval()
    layers = _decoder_layers(model)
    encoder, decoder, decoder_past = _wrappers(model)
    ids = torch.tensor([[5, 6, 7, 8, 2], [9, 10, 2, 0, 0]])
    mask = (ids != 0).long()
    start = torch.full((2, 1), int(model.config.decoder_start_token_id or 0))
    source = {0: "batch", 1: "source"}
    with torch.no_grad():
        hidden = encoder(ids, mask)
        first = decoder(start, hidden, mask)
    presents = _past_names(layers, "present", cross=True)
    pasts = _past_names(layers, "past", cross=True)
    kv_axes = {0: "batch", 2: "length"}
    common = {"opset_version": OPSET, "dynamo": False}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python values taken from shapes
        torch.onnx.export(
            encoder, (ids, mask), str(folder / ENCODER_FILE), input_names=["input_ids", "attention_mask"],
            output_names=["encoder_hidden_states"],
            dynamic_axes={"input_ids": source, "attention_mask": source, "encoder_hidden_states": source},
            **common,
        )  # fmt: skip
        inputs = ["decoder_input_ids", "encoder_hidden_states", "encoder_attention_mask"]
        axes = {"decoder_input_ids": {0: "batch", 1: "target"}, "encoder_hidden_states": source,
                "encoder_attention_mask": source, "logits": {0: "batch", 1: "target"}}  # fmt: skip
        torch.onnx.export(
            decoder, (start, hidden, mask), str(folder / DECODER_FILE), input_names=inputs,
            output_names=["logits", *presents], dynamic_axes=axes | dict.fromkeys(presents, kv_axes) | {
                name: {0: "batch", 2: "source"} for name in presents if ".cross." in name},
            **common,
        )  # fmt: skip
        self_presents = _past_names(layers, "present", cross=False)
        axes_past = axes | dict.fromkeys(pasts + self_presents, kv_axes)
        axes_past |= {name: {0: "batch", 2: "source"} for name in pasts if ".cross." in name}
        torch.onnx.export(
            decoder_past, (torch.argmax(first[0][:, -1:], dim=-1), hidden, mask, *first[1:]),
            str(folder / DECODER_PAST_FILE), input_names=inputs + pasts,
            output_names=["logits", *self_presents], dynamic_axes=axes_past, **common,
        )  # fmt: skip
    return [ENCODER_FILE, DECODER_FILE, DECODER_PAST_FILE]


def quantize_seq2seq_onnx(source: Path, target: Path) -> None:
    """ONNX Runtime dynamic int8 (per channel) of each of the three graphs."""
    from workbench.variants.onnx import quantize_onnx_int8

    for name in (ENCODER_FILE, DECODER_FILE, DECODER_PAST_FILE):
        quantize_onnx_int8(source / name, target / name)


@dataclass
class SearchSettings:
    """What the ONNX loop needs from the model's config and generation config."""

    start: int
    eos: int
    pad: int
    banned: tuple[int, ...] = ()  # single-token bad_words_ids (Marian bans its pad token)
    length_penalty: float = 1.0

    @classmethod
    def of(cls, model: Any) -> SearchSettings:
        config, generation = model.config, getattr(model, "generation_config", None)
        eos = getattr(generation, "eos_token_id", None) or config.eos_token_id
        eos = eos[0] if isinstance(eos, list) else eos
        start = config.decoder_start_token_id
        pad = config.pad_token_id if config.pad_token_id is not None else eos
        bad = getattr(generation, "bad_words_ids", None) or []
        banned = tuple(words[0] for words in bad if len(words) == 1)
        penalty = float(getattr(generation, "length_penalty", 1.0) or 1.0)
        return cls(int(pad if start is None else start), int(eos), int(pad), banned, penalty)


@dataclass(frozen=True)
class Limits:
    """One generate call's settings."""

    max_new_tokens: int
    min_new_tokens: int = 0
    length_penalty: float = 1.0


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class OnnxSeq2SeqGenerator:
    """Greedy and beam search over the three ONNX Runtime sessions of ``export_seq2seq_onnx``."""

    def __init__(self, folder: Path, settings: SearchSettings, threads: int | None = None) -> None:
        from workbench.variants.onnx import open_session

        self.encoder = open_session(folder / ENCODER_FILE, threads)
        self.decoder = open_session(folder / DECODER_FILE, threads)
        self.decoder_past = open_session(folder / DECODER_PAST_FILE, threads)
        self.settings = settings
        self.past_names = [i.name for i in self.decoder_past.get_inputs()][3:]
        self.present_names = [o.name for o in self.decoder.get_outputs()][1:]

    def _first(self, hidden: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        start = np.full((hidden.shape[0], 1), self.settings.start, dtype=np.int64)
        feeds = {"decoder_input_ids": start, "encoder_hidden_states": hidden, "encoder_attention_mask": mask}
        logits, *past = self.decoder.run(None, feeds)
        return logits[:, -1], past

    def _step(self, tokens: np.ndarray, hidden: np.ndarray, mask: np.ndarray, past: list[np.ndarray]) -> Any:
        feeds = {"decoder_input_ids": tokens.reshape(-1, 1), "encoder_hidden_states": hidden}
        feeds |= {"encoder_attention_mask": mask, **dict(zip(self.past_names, past, strict=True))}
        logits, *own = self.decoder_past.run(None, feeds)
        past = [own[2 * (i // 4) + i % 4] if i % 4 < 2 else past[i] for i in range(len(past))]
        return logits[:, -1], past

    def _scores(self, logits: np.ndarray, step: int, limits: Limits) -> np.ndarray:
        scores = _log_softmax(logits.astype(np.float32))
        for token in self.settings.banned:
            scores[:, token] = -np.inf
        if step < limits.min_new_tokens:
            scores[:, self.settings.eos] = -np.inf
        if step == limits.max_new_tokens - 1:  # the last position must end the text (forced_eos)
            eos = scores[:, self.settings.eos].copy()
            scores[:] = -np.inf
            scores[:, self.settings.eos] = eos
        return scores

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        return self.encoder.run(None, feeds)[0]

    def generate(
        self,
        input_ids: np.ndarray,
        attention_mask: np.ndarray,
        *,
        num_beams: int = 1,
        max_new_tokens: int = 128,
        min_new_tokens: int = 0,
        length_penalty: float | None = None,
    ) -> list[list[int]]:
        """Token ids of each source's output (decoder start token first, as ``model.generate``)."""
        mask = attention_mask.astype(np.int64)
        hidden = self.encode(input_ids, mask)
        penalty = self.settings.length_penalty if length_penalty is None else float(length_penalty)
        limits = Limits(max_new_tokens, min_new_tokens, penalty)  # per call: a loaded model is shared
        if num_beams == 1:
            return self._greedy(hidden, mask, limits)
        return self._beam(hidden, mask, num_beams, limits)

    def _greedy(self, hidden: np.ndarray, mask: np.ndarray, limits: Limits) -> list[list[int]]:
        s = self.settings
        rows = hidden.shape[0]
        out = [[s.start] for _ in range(rows)]
        done = np.zeros(rows, dtype=bool)
        logits, past = self._first(hidden, mask)
        for step in range(limits.max_new_tokens):
            tokens = self._scores(logits, step, limits).argmax(axis=-1)
            tokens = np.where(done, s.pad, tokens)
            for row in np.flatnonzero(~done):
                out[row].append(int(tokens[row]))
            done |= tokens == s.eos
            if done.all() or step == limits.max_new_tokens - 1:
                break
            logits, past = self._step(tokens, hidden, mask, past)
        return out

    def _beam(self, hidden: np.ndarray, mask: np.ndarray, beams: int, limits: Limits) -> list[list[int]]:
        """Beam search as transformers does it: 2 x beams candidates per step, a finished hypothesis
        scored by its summed log-probability / length ** length_penalty, stop once no running beam
        can beat the worst of ``beams`` finished ones."""
        s = self.settings
        rows = hidden.shape[0]
        hidden, mask = np.repeat(hidden, beams, axis=0), np.repeat(mask, beams, axis=0)
        sequences = [[s.start] for _ in range(rows * beams)]
        beam_scores = np.zeros((rows, beams), dtype=np.float32)
        beam_scores[:, 1:] = -1e9  # all beams start identical: expand only the first
        finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(rows)]
        done = np.zeros(rows, dtype=bool)
        logits, past = self._first(hidden, mask)
        for step in range(limits.max_new_tokens):
            scores = self._scores(logits, step, limits) + beam_scores.reshape(-1, 1)
            vocab = scores.shape[-1]
            flat = scores.reshape(rows, beams * vocab)
            top = np.argsort(-flat, axis=1, kind="stable")[:, : 2 * beams]
            next_tokens, next_beams, next_scores = [], [], []
            length = len(sequences[0])  # tokens so far, the start token included
            for row in range(rows):
                chosen: list[tuple[int, int, float]] = []
                for candidate in top[row]:
                    beam, token = divmod(int(candidate), vocab)
                    score = float(flat[row, candidate])
                    if done[row]:
                        chosen.append((0, s.pad, 0.0))
                    elif token == s.eos:
                        hypothesis = sequences[row * beams + beam] + [token]
                        finished[row].append((score / (length**limits.length_penalty), hypothesis))
                        finished[row] = sorted(finished[row], key=lambda h: -h[0])[:beams]
                        continue
                    else:
                        chosen.append((beam, token, score))
                    if len(chosen) == beams:
                        break
                best_running = max((c[2] for c in chosen), default=-np.inf)
                if len(finished[row]) == beams and not done[row]:
                    worst = finished[row][-1][0]
                    done[row] = best_running / (length**limits.length_penalty) < worst
                chosen += [(0, s.pad, -1e9)] * (beams - len(chosen))
                for beam, token, score in chosen[:beams]:
                    next_beams.append(row * beams + beam)
                    next_tokens.append(token)
                    next_scores.append(score)
            if done.all():
                break
            order = np.array(next_beams)
            sequences = [sequences[i] + [t] for i, t in zip(order, next_tokens, strict=True)]
            beam_scores = np.array(next_scores, dtype=np.float32).reshape(rows, beams)
            if step == limits.max_new_tokens - 1:
                break
            past = [p[order] for p in past]
            logits, past = self._step(np.array(next_tokens, dtype=np.int64), hidden, mask, past)
        return [max(finished[row], key=lambda h: h[0])[1] if finished[row] else sequences[row * beams]
                for row in range(rows)]  # fmt: skip
