"""The data layer and the trainer ask the task entry for a capability, never for its name: a task
registered here (not built in, named nothing the data layer knows) gets the behaviour it declares."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

from workbench.data import ColumnMap, check_frame, load_dataset, split_dataset
from workbench.data.io import RowNumbering
from workbench.data.labels import table_tasks
from workbench.data.parallel import parallel_columns
from workbench.data.rules import CheckContext, check_rare_classes, check_split_size
from workbench.data.spec import DataReport
from workbench.data.token_check import token_format
from workbench.data.token_files import CONLL
from workbench.tasks import TASKS, Prediction, Task
from workbench.tasks.regression import RegressionTask
from workbench.tasks.seq2seq import Seq2SeqTask
from workbench.tasks.token_classification import TokenClassificationTask


class IntentTask(Task):
    """A new single-label task the data layer has never heard of, stratified by its own choice."""

    name = "intent"
    description = "One intent per utterance (a test task)."
    problem_type = "single_label_classification"
    primary_metric = "accuracy"
    stratify_split = True

    def encode_targets(self, values: list[Any], labels: list[str]) -> np.ndarray:
        raise NotImplementedError

    def scores(self, logits: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def metrics(self, logits: np.ndarray, targets: np.ndarray, labels: list[str]):
        raise NotImplementedError

    def decode(self, logits: np.ndarray, labels: list[str]) -> list[Prediction]:
        raise NotImplementedError


class TopicTask(IntentTask):
    """The same task with the capability turned off: no stratification, no per-class row checks."""

    name = "topic"
    stratify_split = False


class TagSetTask(IntentTask):
    """A new task whose label is a set of classes ("a|b"): it names its own parser and classes."""

    name = "tag-set"
    stratify_split = False

    def label_parser(self) -> Any:
        from workbench.data.labels import parse_label_sets

        return parse_label_sets

    def label_classes(self, value: Any) -> tuple[str, ...]:
        return tuple(value)


class ScoreTask(TopicTask):
    """A new task whose labels are not classes: nothing is counted, no class checks."""

    name = "score"
    labels_are_classes = False


class ChunkTask(TokenClassificationTask):
    """A new tagging task (phrase chunks): its data is token files because it says so."""

    name = "chunking"


class ParaphraseTask(Seq2SeqTask):
    """A new text-to-text task: its data is source/target pairs because it says so."""

    name = "paraphrase"


@pytest.fixture
def new_tasks(monkeypatch):
    for task in (IntentTask, TopicTask, TagSetTask, ScoreTask, ChunkTask, ParaphraseTask):
        monkeypatch.setitem(TASKS, task.name, task)


def capable(flag: str) -> list[str]:
    return sorted(name for name, task in TASKS.items() if getattr(task, flag))


def labelled(labels: list[str], task: str = "classification"):
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(len(labels))], "label": labels})
    return load_dataset(frame, ColumnMap(), task)


def as_task(ds, task: str):
    return dataclasses.replace(ds, task=task, report=dataclasses.replace(ds.report, warnings=[]))


def test_only_single_label_classification_supports_label_smoothing():
    assert capable("supports_label_smoothing") == ["classification"]


def test_the_built_in_tasks_declare_what_the_data_layer_used_to_branch_on():
    assert capable("stratify_split") == ["classification"]
    assert capable("labels_are_classes") == ["classification", "multilabel"]
    assert capable("reads_token_files") == ["token-classification"]
    assert capable("reads_parallel_columns") == ["seq2seq"]
    assert table_tasks() == ["classification", "multilabel", "regression"]


class StarsTask(RegressionTask):
    """The README's example: a rating learnt as a number, split keeping each star's share."""

    name = "stars"
    description = "A 1-5 star rating learnt as a number; splits keep each star's share."
    stratify_split = True


def test_the_readme_example_stratifies_numbers(monkeypatch):
    monkeypatch.setitem(TASKS, StarsTask.name, StarsTask)
    frame = pd.DataFrame({"review": [f"r{i}" for i in range(100)], "stars": list("1234555545") * 10})
    ds = load_dataset(frame, ColumnMap(text="review", label="stars"), task="stars")
    _, val, _ = split_dataset(ds, 0.1)
    assert ds.task == "stars" and ds.report.labels == {} and ds.report.warnings == []
    assert Counter(val.frame["label"]) == {5.0: 5, 4.0: 2, 3.0: 1, 2.0: 1, 1.0: 1}


def test_a_new_task_is_split_stratified_through_its_capability(new_tasks):
    base = labelled(["a", "a", "a", "b"] * 50)
    _, val, _ = split_dataset(as_task(base, "intent"), 0.1, seed=1)
    assert Counter(val.frame["label"]) == {"a": 15, "b": 5}  # the class shares, exactly
    solo = labelled(["a", "b"] * 24 + ["a", "solo"])
    for task, stratified in (("intent", True), ("topic", False)):
        ds = as_task(solo, task)
        split_dataset(ds, 0.2)
        fallback = "The validation split is random, not stratified: 1 class with a single example ('solo')."
        assert ds.report.warnings == ([fallback] if stratified else [])


def rule_context(task: str, labels: dict[str, int], rows: int) -> CheckContext:
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(rows)], "label": "a", "row": range(2, rows + 2)})
    report = DataReport(source="f.csv", columns=["text", "label"], labels=labels)
    return CheckContext(frame, report, ColumnMap(), RowNumbering(), task, has_labels=True)


def test_a_new_stratified_task_gets_the_rows_per_class_checks(new_tasks):
    labels = {"a": 5, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}
    for task, stratified in (("intent", True), ("topic", False)):
        ctx = rule_context(task, labels, rows=10)
        check_split_size(ctx)
        check_rare_classes(ctx)
        assert len(ctx.report.errors) == len(ctx.report.warnings) == int(stratified)
    ctx = rule_context("intent", labels, rows=10)
    check_split_size(ctx)
    assert ctx.report.errors[0].startswith("Only 10 usable rows for 6 classes in f.csv: at least 2 per class")


def test_a_new_task_is_read_from_a_table_through_its_capabilities(new_tasks):
    rows = ["a"] * 9 + ["b"]
    assert labelled(rows, "intent").report.warnings == [
        "Classes with fewer than 2 examples (they cannot be stratified across training/validation splits): "
        "'b' (1 row). Add examples or merge them with another class."
    ]
    ds = labelled(rows, "topic")
    assert ds.task == "topic" and ds.report.labels == {"a": 9, "b": 1} and ds.report.warnings == []


def test_a_new_label_set_task_is_counted_and_checked_per_class(new_tasks):
    texts = [f"t{i}" for i in range(10)] + ["same", "same"]
    frame = pd.DataFrame({"text": texts, "label": ["a|b", "b"] * 5 + ["b|c", "c"]})
    report, canonical = check_frame(frame, ColumnMap(), "tag-set")
    assert report.task == "tag-set" and canonical["label"].iloc[0] == ("a", "b")
    assert report.labels == {"a": 5, "b": 11, "c": 2}  # each label of a set once
    assert report.warnings == [
        "Conflicting labels for 1 text (same text, different labels), e.g. 'same' labelled 'b|c' (row 12) "
        "and 'c' (row 13; row numbers as in a spreadsheet: header = row 1). The model cannot learn both; "
        "fix or remove the conflicting rows."
    ]
    report, _ = check_frame(frame, ColumnMap(), "tag-set", known_labels=["a", "b"])
    assert report.errors[0].startswith("1 label in the data not known to the model: 'c' (rows 12, 13) ")


def test_a_new_task_whose_labels_are_not_classes_skips_the_class_checks(new_tasks):
    report, _ = check_frame(
        pd.DataFrame({"text": list("abcdefghijkl"), "label": "0.5"}), ColumnMap(), "score"
    )
    assert report.ok and report.labels == {} and report.warnings == []
    report, _ = check_frame(
        pd.DataFrame({"text": list("abcdefghijkl"), "label": "0.5"}), ColumnMap(), "topic"
    )
    assert report.errors[0].startswith("Only one class in column 'label': '0.5' (12 rows).")


def test_an_unknown_task_lists_the_tasks_a_table_can_hold(new_tasks):
    report, _ = check_frame(pd.DataFrame({"text": ["x"], "label": ["y"]}), ColumnMap(), "sentiment")
    assert report.errors == [
        "Unknown task 'sentiment': choose one of 'auto', 'classification', 'multilabel', 'regression', "
        "'intent', 'topic', 'tag-set', 'score'."  # not 'chunking': it reads token files, not tables
    ]


def test_a_new_task_reads_token_files_through_its_capability(new_tasks, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("nothing a sniffer recognises\n", encoding="utf-8")
    assert [token_format(plain, task) for task in ("chunking", "topic", "auto")] == [CONLL, None, None]
    assert token_format(tmp_path / "missing.txt", "chunking") == CONLL
    conll = tmp_path / "chunks.conll"
    conll.write_text(
        "He\tB-NP\nreckons\tB-VP\nthe\tB-NP\ndeficit\tI-NP\n\nIt\tB-NP\nfell\tB-VP\n", encoding="utf-8"
    )
    ds = load_dataset(conll, ColumnMap(), "chunking")
    assert ds.task == ds.report.task == "chunking" and ds.report.labels == {"NP": 3, "VP": 2}
    assert load_dataset(conll, ColumnMap()).task == "token-classification"  # auto: the built-in reader's task


def test_a_new_task_reads_parallel_columns_through_its_capability(new_tasks):
    frame = pd.DataFrame(
        {"src": [f"sentence {i}" for i in range(12)], "tgt": [f"Satz {i}" for i in range(12)]}
    )
    assert parallel_columns(frame, ColumnMap(), "paraphrase") == ColumnMap(text="src", label="tgt")
    assert parallel_columns(frame, ColumnMap(), "topic") is None
    ds = load_dataset(frame, ColumnMap(), "paraphrase")
    assert (ds.task, ds.report.task, len(ds), ds.report.labels) == ("paraphrase", "paraphrase", 12, {})
    assert load_dataset(frame, ColumnMap()).task == "seq2seq"  # auto: a detected pair is translation


def test_a_new_task_is_a_training_choice_registered_after_import(monkeypatch):
    from workbench.errors import SpecError
    from workbench.training.spec import TrainSpec

    with pytest.raises(SpecError, match=r"task must be one of auto, classification, .*; got 'intent'"):
        TrainSpec(train_data="train.csv", task="intent")
    monkeypatch.setitem(TASKS, IntentTask.name, IntentTask)
    assert "intent" in TrainSpec.field_info()["task"]["choices"]
    assert TrainSpec(train_data="train.csv", task="intent").task == "intent"


class ScoredIntentTask(IntentTask):
    name = "scored-intent"

    def scores(self, logits: np.ndarray) -> np.ndarray:
        return logits


def test_a_new_task_agrees_on_its_top_class_unless_it_says_otherwise():
    a, b = np.array([[2.0, 1.0], [0.0, 1.0], [3.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0], [5.0, 1.0]])
    assert ScoredIntentTask().comparison_agreement(a, b) == pytest.approx(2 / 3)
    assert RegressionTask().comparison_agreement(a, b) is None  # numbers: the mean difference instead


def test_text_explainers_ask_the_task_whether_they_apply(monkeypatch):
    from types import SimpleNamespace

    from explain.explainers import EXPLAINERS

    class EntityLikeTask(IntentTask):
        name = "entity-like"
        text_explainers = False

    monkeypatch.setitem(TASKS, EntityLikeTask.name, EntityLikeTask)
    explainer = next(iter(EXPLAINERS.values()))
    model = SimpleNamespace(task=EntityLikeTask(), tokenizer=SimpleNamespace(is_fast=True))
    assert explainer.incompatibility(model) == (
        "task 'entity-like' is not one of classification, multilabel, regression"
    )
    assert explainer.incompatibility(SimpleNamespace(task=IntentTask(), tokenizer=model.tokenizer)) is None


def test_each_task_names_its_own_distillation_loss():
    from workbench.variants import distill_trainer

    losses = {name: task().distill_loss() for name, task in TASKS.items()}
    assert losses == {
        "classification": distill_trainer.classification_distill_loss,
        "multilabel": distill_trainer.multilabel_distill_loss,
        "regression": distill_trainer.regression_distill_loss,
        "seq2seq": None,  # no student distillation for generation
        "token-classification": distill_trainer.token_distill_loss,
    }
    assert IntentTask().distill_loss() is None  # a new task distils once it names a loss
