"""Variants of a NER model: a distilled student learns the teacher's per-word logits (first sub-token
alignment), and the comparison table measures entity F1 for every variant (int8, layer dropping,
distillation)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from toy_ner import toy_sentences, write_conll

from workbench.data import ColumnMap
from workbench.models.registry import Registry
from workbench.variants import build_variant, compare_models, parse_variant_spec
from workbench.variants.distill_trainer import TeacherLogitsCollator, token_distill_loss


def test_token_distillation_loss_counts_only_labelled_positions():
    student = torch.tensor([[[2.0, 0.0], [9.0, -9.0], [0.0, 1.0]]])
    teacher = torch.tensor([[[2.0, 0.0], [-5.0, 5.0], [0.0, 1.0]]])
    labels = torch.tensor([[0, -100, 1]])  # the middle position is a later sub-token: ignored
    same = token_distill_loss(student, student.clone(), labels, 2.0, 1.0)
    assert same.item() == pytest.approx(0.0, abs=1e-6)
    assert token_distill_loss(student, teacher, labels, 2.0, 1.0).item() == pytest.approx(0.0, abs=1e-6)
    hard = token_distill_loss(student, teacher, labels, 2.0, 0.0)
    expected = torch.nn.functional.cross_entropy(student[0, [0, 2]], torch.tensor([0, 1]))
    assert hard.item() == pytest.approx(expected.item())
    assert token_distill_loss(student, teacher, torch.full((1, 3), -100), 2.0, 0.5).item() == 0.0


def test_collator_pads_per_token_teacher_logits_with_the_labels(ner_model_id):
    from workbench.inference.predict import MODEL_CACHE

    loaded = MODEL_CACHE.get(ner_model_id)
    features = [
        {"input_ids": [2, 5, 3], "attention_mask": [1, 1, 1], "labels": [-100, 1, -100],
         "teacher_logits": [[0.0] * 5, [1.0] * 5, [0.0] * 5]},
        {"input_ids": [2, 3], "attention_mask": [1, 1], "labels": [-100, -100],
         "teacher_logits": [[0.5] * 5, [0.5] * 5]},
    ]  # fmt: skip
    batch = TeacherLogitsCollator(loaded.task.data_collator(loaded.tokenizer))(features)
    assert tuple(batch["teacher_logits"].shape) == (2, 3, 5)
    assert batch["labels"].tolist() == [[-100, 1, -100], [-100, -100, -100]]
    assert batch["teacher_logits"][1, 2].tolist() == [0.0] * 5


def test_distilled_ner_student_and_every_variant_are_compared_on_entity_f1(ner_model_id, tmp_path):
    train = write_conll(tmp_path / "train.conll", toy_sentences(96, 5))
    test = write_conll(tmp_path / "test.conll", toy_sentences(30, 6))
    spec = parse_variant_spec("distill:1", epochs=4.0, learning_rate=3e-3, batch_size=16)
    student = build_variant(ner_model_id, spec, data=str(train), columns=ColumnMap())
    recipe = Registry().get(student.id).recipe
    assert recipe["kept_layers"] == [1] and recipe["steps"] > 0
    assert recipe["validation"]["metric"] == "f1" and recipe["validation"]["teacher"] == 1.0
    assert Registry().get(student.id).task == "token-classification"
    build_variant(ner_model_id, "drop-layers:1+int8")
    table = compare_models(
        ner_model_id, "all", test, ColumnMap(), rounds=1, latency_rows=3, threads=1, memory=False
    )
    rows = table.set_index("variant")
    assert set(rows.index) == {"original", "distill:1", "drop-layers:1", "drop-layers:1+int8"}
    assert set(table["metric"]) == {"f1"}
    assert rows.loc["original", "metric_value"] == 1.0
    assert rows.loc["distill:1", "metric_value"] >= 0.9, table[["variant", "metric_value"]]
    assert np.isfinite(table["metric_value"]).all() and table["agreement"].between(0, 1).all()
