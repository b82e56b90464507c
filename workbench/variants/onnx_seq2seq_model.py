"""An ONNX seq2seq variant in the workspace: the three graphs of ``onnx_seq2seq`` behind the calls the
workbench makes of a seq2seq model, so prediction, evaluation, the reload check and comparisons work
unchanged:

- ``model(input_ids=, attention_mask=, decoder_input_ids=).logits``: teacher-forced logits (the first
  decoder graph takes a whole decoder input);
- ``model.generate(..., output_scores=True, return_dict_in_generate=True)`` and
  ``model.compute_transition_scores``: greedy or beam search over ONNX Runtime, each generated token's
  log-probability taken from one teacher-forced pass over the finished outputs.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from workbench.errors import IncompatibleError, SpecError
from workbench.variants.onnx_seq2seq import (
    DECODER_FILE,
    DECODER_PAST_FILE,
    ENCODER_FILE,
    OnnxSeq2SeqGenerator,
    SearchSettings,
)

GRAPHS = "seq2seq"  # recipe["graphs"] of an ONNX variant made of encoder + decoder graphs


class OnnxSeq2SeqModel:
    def __init__(self, folder: Path, config: Any, generation_config: Any, parameters: int = 0) -> None:
        self.config, self.generation_config = config, generation_config
        self.settings = SearchSettings.of(self)
        self.generator = OnnxSeq2SeqGenerator(folder, self.settings)
        self.parameters_count = parameters

    def eval(self) -> OnnxSeq2SeqModel:
        return self

    def num_parameters(self) -> int:
        return self.parameters_count

    def _logits(self, hidden: np.ndarray, mask: np.ndarray, decoder_ids: np.ndarray) -> np.ndarray:
        feeds = {"decoder_input_ids": decoder_ids.astype(np.int64), "encoder_hidden_states": hidden}
        return self.generator.decoder.run(["logits"], feeds | {"encoder_attention_mask": mask})[0]

    def __call__(self, input_ids: Any, attention_mask: Any, decoder_input_ids: Any, **_: Any) -> Any:
        import torch

        mask = attention_mask.numpy().astype(np.int64)
        hidden = self.generator.encode(input_ids.numpy(), mask)
        return SimpleNamespace(logits=torch.from_numpy(self._logits(hidden, mask, decoder_input_ids.numpy())))

    def generate(
        self,
        input_ids: Any,
        attention_mask: Any,
        *,
        num_beams: int = 1,
        max_new_tokens: int = 128,
        length_penalty: float | None = None,
        no_repeat_ngram_size: int | None = None,
        do_sample: bool = False,
        **_: Any,
    ) -> Any:
        """Sequences (start token first, padded) and, as ``scores``, each generated token's log-prob."""
        import torch

        if do_sample or no_repeat_ngram_size:
            raise SpecError(
                "The ONNX variant generates by greedy or beam search only: leave do_sample off and "
                "no_repeat_ngram_size at 0, or use the PyTorch model."
            )
        ids, mask = input_ids.numpy(), attention_mask.numpy().astype(np.int64)
        rows = self.generator.generate(
            ids, mask, num_beams=num_beams, max_new_tokens=max_new_tokens, length_penalty=length_penalty
        )
        width = max(len(r) for r in rows)
        sequences = np.full((len(rows), width), self.settings.pad, dtype=np.int64)
        for i, row in enumerate(rows):
            sequences[i, : len(row)] = row
        hidden = self.generator.encode(ids, mask)
        logits = self._logits(hidden, mask, sequences[:, :-1]).astype(np.float64)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        chosen = np.take_along_axis(logprobs, sequences[:, 1:, None], axis=-1)[..., 0]
        lengths = np.array([len(r) - 1 for r in rows])
        chosen[np.arange(width - 1)[None, :] >= lengths[:, None]] = -np.inf  # padding after the end
        return SimpleNamespace(sequences=torch.from_numpy(sequences), scores=torch.from_numpy(chosen))

    def compute_transition_scores(self, sequences: Any, scores: Any, *_: Any, **__: Any) -> Any:
        return scores


def export_generation_variant(model: Any, folder: Path) -> dict[str, Any]:
    """fp32 graphs into a scratch folder, checked against PyTorch, quantized into ``folder``."""
    import tempfile

    from workbench.variants.onnx_seq2seq import export_seq2seq_onnx, quantize_seq2seq_onnx

    with tempfile.TemporaryDirectory(prefix="workbench-onnx-s2s-") as tmp:
        scratch = Path(tmp)
        export_seq2seq_onnx(model, scratch)
        check_teacher_forced(model, scratch)
        quantize_seq2seq_onnx(scratch, folder)
    model.config.save_pretrained(str(folder))
    model.generation_config.save_pretrained(str(folder))
    return {"graphs": GRAPHS, "files": [ENCODER_FILE, DECODER_FILE, DECODER_PAST_FILE], "file": ENCODER_FILE}


def check_teacher_forced(model: Any, folder: Path, tolerance: float = 1e-3) -> None:
    import torch

    ids = torch.tensor([[5, 6, 7, 8, 9, 2], [10, 11, 12, 2, 0, 0]])
    mask = (ids != 0).long()
    decoder_ids = torch.tensor([[0, 5, 6, 7], [0, 10, 11, 12]])
    with torch.inference_mode():
        expected = model(input_ids=ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits.numpy()
    onnx = OnnxSeq2SeqModel(folder, model.config, model.generation_config)
    diff = float(np.abs(onnx(ids, mask, decoder_ids).logits.numpy() - expected).max())
    if not diff <= tolerance:
        raise IncompatibleError(
            f"onnx-int8: the ONNX export does not reproduce the model's decoder logits (largest "
            f"difference {diff:.3g}); use int8 instead."
        )


def load_generation_variant(folder: Path, parameters: int) -> OnnxSeq2SeqModel:
    from transformers import AutoConfig, GenerationConfig

    config = AutoConfig.from_pretrained(str(folder))
    return OnnxSeq2SeqModel(folder, config, GenerationConfig.from_pretrained(str(folder)), parameters)
