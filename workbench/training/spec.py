"""``TrainSpec``: everything a training run needs, validated on construction and saved with the run.

Widgets in the UI take their labels, help texts, defaults and ranges from the field metadata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from workbench.errors import SpecError
from workbench.models.pooling import POOLING_MODES
from workbench.training.methods import METHODS


class TaskChoices(Sequence[str]):
    """``auto`` and every registered task, read when asked: a task registered after this module was
    imported (a plugin, a test) is a valid choice too."""

    @staticmethod
    def _names() -> tuple[str, ...]:
        from workbench.tasks import TASKS  # not at import: the Home page starts without numpy

        return ("auto", *TASKS)

    def __getitem__(self, index):  # type: ignore[override]
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return repr(tuple(self))


def _meta(
    help_text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: Sequence[str] | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    return {"help": help_text, "min": minimum, "max": maximum, "choices": choices, "label": label}


@dataclass(frozen=True)
class TrainSpec:
    """A fine-tuning request. ``None`` hyper-parameters take the method's measured defaults."""

    train_data: str = field(metadata=_meta("Training file (CSV, TSV, XLSX or JSONL).", label="Training data"))
    text_col: str = field(default="text", metadata=_meta("Column with the text.", label="Text column"))
    label_col: str = field(default="label", metadata=_meta("Column with the label.", label="Label column"))
    text_pair_col: str | None = field(
        default=None,
        metadata=_meta("Second text column for sentence-pair tasks.", label="Second text column"),
    )
    target_data: str | None = field(
        default=None,
        metadata=_meta(
            "Seq2seq: plain-text file of targets, aligned line by line with train_data (the sources).",
            label="Target text file",
        ),
    )
    eval_data: str | None = field(
        default=None, metadata=_meta("Validation file; without it a split is carved from the training data.")
    )
    base_model: str = field(
        default="default", metadata=_meta("Hugging Face id, local folder, or 'default' (all-MiniLM-L6-v2).")
    )
    task: str = field(
        default="auto",
        metadata=_meta(
            "Task type; 'auto' detects it from the labels.",
            choices=TaskChoices(),
        ),
    )
    source_lang: str | None = field(
        default=None,
        metadata=_meta("Seq2seq, NLLB/M2M models: language code of the sources (eng_Latn; M2M100: en).",
                       label="Source language"),
    )  # fmt: skip
    target_lang: str | None = field(
        default=None,
        metadata=_meta("Seq2seq, NLLB/M2M models: language code of the targets (deu_Latn; M2M100: de).",
                       label="Target language"),
    )  # fmt: skip
    method: str = field(
        default="full",
        metadata=_meta(
            "full: all weights; lora: small adapters (peft); adalora: LoRA whose ranks adapt while"
            " training; ia3: learnt scaling vectors, the fewest weights; head: frozen encoder, train the head.",
            choices=("full", "lora", "adalora", "ia3", "head"),
        ),
    )
    pooling: str = field(
        default="auto",
        metadata=_meta(
            "How the text vector is formed. auto: mean of the tokens when the base model was trained that"
            " way (sentence-transformers models such as the default), else the architecture's own head;"
            " mean: average the tokens (BERT-style models); native: the architecture's own head (BERT: [CLS]).",
            choices=POOLING_MODES,
        ),
    )
    name: str | None = field(default=None, metadata=_meta("Name of the model in the workspace."))
    epochs: float = field(
        default=3.0, metadata=_meta("Passes over the training data.", minimum=0.05, maximum=100)
    )
    learning_rate: float | None = field(
        default=None,
        metadata=_meta(
            "Peak learning rate; empty = the method's default ("
            + ", ".join(
                f"{name} {m.default_learning_rate:.0e}".replace("e-0", "e-") for name, m in METHODS.items()
            )
            + ").",
            minimum=1e-7,
            maximum=1.0,
        ),
    )
    batch_size: int = field(default=32, metadata=_meta("Texts per training step.", minimum=1, maximum=1024))
    max_length: int | None = field(
        default=None,
        metadata=_meta("Longest input in tokens (longer texts are truncated).", minimum=8, maximum=8192),
    )
    warmup_ratio: float = field(
        default=0.06, metadata=_meta("Share of steps to warm up.", minimum=0.0, maximum=0.5)
    )
    weight_decay: float = field(default=0.01, metadata=_meta("AdamW weight decay.", minimum=0.0, maximum=1.0))
    seed: int = field(
        default=42, metadata=_meta("Random seed (splits, initialisation, shuffling).", minimum=0)
    )
    val_fraction: float = field(
        default=0.1,
        metadata=_meta("Share of training rows held out for validation.", minimum=0.0, maximum=0.5),
    )
    test_fraction: float = field(
        default=0.0,
        metadata=_meta("Share of training rows held out as a test set.", minimum=0.0, maximum=0.5),
    )
    max_minutes: float | None = field(
        default=None,
        metadata=_meta(
            "Time budget in minutes: fewer steps are planned when the epochs would not fit (the learning"
            " rate still decays to zero).",
            minimum=0.1,
        ),
    )
    keep: str = field(
        default="best",
        metadata=_meta(
            "Which weights become the model. best: the checkpoint with the best validation metric;"
            " last: the final weights, after the learning rate has decayed to zero (steadier when the"
            " validation split is too small to rank checkpoints); average: the mean of the weights taken"
            " 8 times an epoch over the second half of training (on SST-2 above the run's median"
            " checkpoint; one extra copy of the weights in memory).",
            choices=("best", "last", "average"),
            label="Keep checkpoint",
        ),
    )
    label_smoothing: float = field(
        default=0.0,
        metadata=_meta(
            "Label smoothing for single-label classification: the target keeps 1 - x and spreads x over"
            " all classes (0 = off; 0.1 is common with many classes).",
            minimum=0.0,
            maximum=0.5,
        ),
    )
    layer_lr_decay: float = field(
        default=1.0,
        metadata=_meta(
            "Layer-wise learning-rate decay: the head trains at the peak learning rate, each layer below"
            " at this times the rate of the layer above, the embeddings lowest (1 = off; 0.8-0.95 is"
            " usual). The lower layers, which hold the most general features, move least.",
            minimum=0.5,
            maximum=1.0,
            label="Layer-wise LR decay",
        ),
    )
    freeze_embeddings: bool = field(
        default=False,
        metadata=_meta(
            "Keep the input word embeddings as pretrained (full fine-tuning): words seen in training and"
            " words seen only later stay in the same space, and the embeddings need no optimiser state."
        ),
    )
    early_stopping_patience: int | None = field(
        default=None,
        metadata=_meta("Stop after this many evaluations without improvement.", minimum=1, maximum=100),
    )
    evals_per_epoch: int = field(
        default=1,
        metadata=_meta("Validation runs per epoch (best checkpoint is kept).", minimum=1, maximum=50),
    )
    calibrate: bool = field(
        default=True,
        metadata=_meta(
            "After training, fit a temperature on the validation split so the confidence matches how"
            " often the model is right (temperature scaling; the predicted labels do not change)."
            " Prediction, review routing and variants use the calibrated confidence.",
            label="Calibrate confidence",
        ),
    )
    lora_r: int = field(default=8, metadata=_meta("LoRA rank.", minimum=1, maximum=256))
    lora_alpha: int = field(default=16, metadata=_meta("LoRA scaling alpha.", minimum=1, maximum=1024))
    lora_dropout: float = field(default=0.1, metadata=_meta("LoRA dropout.", minimum=0.0, maximum=0.9))
    merge_lora: bool = field(
        default=False,
        metadata=_meta(
            "Merge the adapter (LoRA, AdaLoRA, IA³) into the base when saving.", label="Merge adapter"
        ),
    )
    adalora_init_r: int = field(
        default=12,
        metadata=_meta(
            "AdaLoRA: rank every layer starts with.", minimum=1, maximum=256, label="AdaLoRA initial rank"
        ),
    )
    adalora_target_r: int = field(
        default=8,
        metadata=_meta(
            "AdaLoRA: average rank left once the budget has moved to the layers that matter.",
            minimum=1,
            maximum=256,
            label="AdaLoRA target rank",
        ),
    )
    report_to: str = field(
        default="none",
        metadata=_meta(
            "Experiment tracker besides TensorBoard (always written to the run folder): mlflow or wandb,"
            " when installed (pip install 'llm-onboarding-workbench[mlflow]' or '[wandb]').",
            choices=("none", "mlflow", "wandb"),
            label="Also report to",
        ),
    )
    processes: int = field(
        default=1,
        metadata=_meta(
            "Data-parallel training processes (torchrun; gloo on CPU). The batch size stays the effective"
            " batch: each process takes its share.",
            minimum=1,
            maximum=64,
            label="Processes",
        ),
    )
    gpus: int = field(
        default=0,
        metadata=_meta(
            "GPUs to train on, one process each (nccl); 0 = CPU.", minimum=0, maximum=64, label="GPUs"
        ),
    )
    precision: str = field(
        default="auto",
        metadata=_meta(
            "auto: bf16 on GPUs that support it, else fp16 on GPUs, fp32 on CPUs (bf16 is ~7x slower on a CPU).",
            choices=("auto", "fp32", "bf16", "fp16"),
        ),
    )
    grad_accumulation: int = field(
        default=1,
        metadata=_meta(
            "Gradient accumulation: steps summed before each update; the batch size stays the effective"
            " batch (each step then takes batch / (processes x this) texts a process).",
            minimum=1,
            maximum=1024,
            label="Gradient accumulation",
        ),
    )
    lowercase: bool = field(default=False, metadata=_meta("Lower-case texts."))
    strip_html: bool = field(default=False, metadata=_meta("Strip HTML tags."))
    mask_pii: bool = field(
        default=False, metadata=_meta("Mask personal data before training (safety rules).")
    )
    allow_pickle: bool = field(default=False, metadata=_meta("Allow loading pickled (.bin) weights. Unsafe."))
    trust_remote_code: bool = field(default=False, metadata=_meta("Run model code from the hub. Unsafe."))

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SpecError("Invalid training settings: " + "; ".join(problems), problems)

    def problems(self) -> list[str]:
        """Every absurd or impossible setting at once, with the allowed range."""
        out: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            low, high = f.metadata.get("min"), f.metadata.get("max")
            choices = f.metadata.get("choices")
            if isinstance(value, float) and not math.isfinite(value):
                out.append(f"{f.name} must be a finite number, got {value}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if low is not None and value < low:
                    out.append(f"{f.name} must be at least {low}, got {value}")
                if high is not None and value > high:
                    out.append(f"{f.name} must be at most {high}, got {value}")
            if choices and value not in choices:
                out.append(f"{f.name} must be one of {', '.join(choices)}; got {value!r}")
        if not str(self.train_data).strip():
            out.append("train_data is empty: give the path of a training file")
        if self.early_stopping_patience and self.keep != "best":
            out.append(
                "early stopping keeps the best checkpoint: use keep 'best' or drop early_stopping_patience"
            )
        out.extend(self._parallel_problems())
        if self.method == "adalora" and self.adalora_target_r > self.adalora_init_r:
            out.append(
                f"adalora_target_r ({self.adalora_target_r}) must not exceed adalora_init_r"
                f" ({self.adalora_init_r}): AdaLoRA only prunes ranks"
            )
        if self.val_fraction + self.test_fraction >= 0.8:
            out.append("val_fraction + test_fraction must leave at least 20% of rows for training")
        return out

    @property
    def world_size(self) -> int:
        """Training processes: one per GPU when GPUs are asked for, else ``processes``."""
        return self.gpus or self.processes

    def _parallel_problems(self) -> list[str]:
        out = []
        if self.gpus and self.processes not in (1, self.gpus):
            out.append(
                f"processes ({self.processes}) and gpus ({self.gpus}) disagree: with GPUs one process runs"
                " per GPU; give only gpus"
            )
        if not self.gpus and self.precision in ("bf16", "fp16"):
            out.append(
                f"precision {self.precision} needs a GPU (on this CPU bf16 is ~7x slower than fp32): use"
                " auto or fp32, or set gpus"
            )
        share = self.world_size * self.grad_accumulation
        if self.batch_size % share:
            out.append(
                f"batch_size ({self.batch_size}) must divide evenly over {self.world_size} process(es) x"
                f" {self.grad_accumulation} accumulation step(s): use a multiple of {share}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"Unknown training setting(s): {', '.join(unknown)}.")
        return cls(**data)

    @classmethod
    def field_info(cls) -> dict[str, dict[str, Any]]:
        """Label, help, default and range per field, for building forms."""
        info = {}
        for f in fields(cls):
            default = None if f.default is MISSING else f.default
            info[f.name] = {
                **f.metadata,
                "default": default,
                "label": f.metadata.get("label") or f.name.replace("_", " ").capitalize(),
            }
        return info
