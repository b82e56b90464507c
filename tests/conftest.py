from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
sys.path.insert(0, str(TESTS_DIR))
SHARED_DATA = TESTS_DIR.parent.parent / "shared" / "data"

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(autouse=True)
def isolated_workspace(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own empty workspace so nothing leaks between tests."""
    home = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    from tiny_models import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert") / "model")


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory) -> Path:
    from tiny_models import make_tiny_gpt2

    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2") / "model")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public datasets not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def toy_model_folder(tmp_path_factory, tiny_bert_dir) -> Path:
    """A tiny BERT fine-tuned once per session on the toy sentiment task (pos/neg keywords).

    Returns the model's registry folder; use ``toy_model_id`` to get it into a test's workspace.
    """
    from toy_data import write_sentiment_csv

    from workbench.models.registry import Registry
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    home = tmp_path_factory.mktemp("toy-model-home")
    data = write_sentiment_csv(tmp_path_factory.mktemp("toy-model-data"))
    spec = TrainSpec(
        train_data=str(data),
        base_model=str(tiny_bert_dir),
        name="toy",
        epochs=8,
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
    )
    result = train(spec, registry=Registry(home))
    return Registry(home).path(result.model_id)


@pytest.fixture()
def toy_model_id(toy_model_folder, isolated_workspace) -> str:
    """The session's toy model copied into this test's workspace (tests may modify it freely)."""
    import shutil

    from workbench.models.registry import Registry

    shutil.copytree(toy_model_folder, Registry().root / toy_model_folder.name)
    return toy_model_folder.name


@pytest.fixture(scope="session")
def ner_model_folder(tmp_path_factory) -> Path:
    """A tiny NER model (person, location) trained once per session; see ``toy_ner``."""
    from toy_ner import train_toy_ner

    return train_toy_ner(tmp_path_factory.mktemp("toy-ner"), tmp_path_factory.mktemp("toy-ner-home"))


@pytest.fixture()
def ner_model_id(ner_model_folder, isolated_workspace) -> str:
    """The session's tiny NER model copied into this test's workspace."""
    import shutil

    from workbench.models.registry import Registry

    shutil.copytree(ner_model_folder, Registry().root / ner_model_folder.name)
    return ner_model_folder.name


@pytest.fixture(scope="session")
def copy_model_folder(tmp_path_factory) -> Path:
    """A tiny Marian trained once per session to copy its source, ``[n]`` placeholders included (about
    a minute on one thread; see ``seq2seq_copy``). Use ``copy_model_id`` in a test's workspace."""
    import torch
    from seq2seq_copy import train_copy_model

    from workbench.models.registry import Registry

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model trains several times faster on one thread
    try:
        folder = tmp_path_factory.mktemp("copy-model")
        model_id = train_copy_model(folder, folder / "home", epochs=20)
    finally:
        torch.set_num_threads(threads)
    return Registry(folder / "home").path(model_id)


@pytest.fixture()
def copy_model_id(copy_model_folder, isolated_workspace) -> str:
    """The session's tiny copy Marian copied into this test's workspace."""
    import shutil

    from workbench.models.registry import Registry

    shutil.copytree(copy_model_folder, Registry().root / copy_model_folder.name)
    return copy_model_folder.name


@pytest.fixture(scope="module")
def one_torch_thread():
    """On a shared CPU one thread trains and runs tiny models several times faster than many
    (``pytestmark = pytest.mark.usefixtures("one_torch_thread")`` in a module)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
