"""Fixtures of the page tests (helpers live in ``ui_helpers``)."""

from __future__ import annotations

import pytest


@pytest.fixture()
def sample_dataset():
    from workbench.ui.sample import sample_dataset

    return sample_dataset()


@pytest.fixture()
def tiny_base(tiny_bert_dir, monkeypatch) -> str:
    """Offer the tiny random BERT as the (only) base model, as the browser test does."""
    monkeypatch.setenv("WORKBENCH_BASE_MODEL_CHOICES", str(tiny_bert_dir))
    return str(tiny_bert_dir)
