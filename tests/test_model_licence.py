"""Model licences: read from a card's front matter, kept from the base model through fine-tuning and
variants, written into the workbench's own card, and non-commercial licences (NLLB's) warned about."""

from __future__ import annotations

import pytest

from workbench.models.licence import card_licence, is_non_commercial, licence_warning, model_licence
from workbench.models.registry import ModelRecord, Registry


def _card(folder, front: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(front, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (
            "---\nlanguage: [en, de]\nlicense: cc-by-nc-4.0\ntags: [translation]\n---\n# NLLB\n",
            "cc-by-nc-4.0",
        ),
        ("---\nlicense: apache-2.0\n---\n", "apache-2.0"),
        ("---\ntags: [x]\n---\n# no licence\n", None),
        ("# a card without front matter\nlicense: mit\n", None),
        ("---\nlicense: [unclosed\n---\n", None),
    ],
)
def test_the_licence_is_read_from_the_cards_front_matter(tmp_path, front, expected):
    assert card_licence(_card(tmp_path / "m", front)) == expected


def test_non_commercial_licences_are_warned_about():
    assert is_non_commercial("cc-by-nc-4.0") and is_non_commercial("CC-BY-NC-SA-4.0")
    assert not is_non_commercial("apache-2.0") and not is_non_commercial("cc-by-4.0")
    assert not is_non_commercial(None)
    assert licence_warning("cc-by-nc-4.0").startswith(
        "Non-commercial licence (cc-by-nc-4.0): this model and everything fine-tuned or built from it may "
        "not be used commercially"
    )
    assert licence_warning("mit") is None


def test_variants_keep_their_parents_licence_and_the_card_names_it():
    registry = Registry()
    base = ModelRecord(id="nllb-ft", name="nllb-ft", task="seq2seq", labels=[], base_model="/models/nllb",
                       extra={"license": "cc-by-nc-4.0"})  # fmt: skip
    base = registry.publish(registry.staging_dir(), base)
    variant = ModelRecord(id="nllb-ft-int8", name="nllb-ft-int8", task="seq2seq", labels=[], base_model="x",
                          kind="variant", parent=base.id)  # fmt: skip
    variant = registry.publish(registry.staging_dir(), variant)
    assert model_licence(variant) == "cc-by-nc-4.0"
    card = (registry.path(base.id) / "README.md").read_text()
    assert card_licence(registry.path(base.id)) == "cc-by-nc-4.0"  # the Hub reads it from the YAML too
    assert "**Non-commercial licence (cc-by-nc-4.0)" in card


def test_training_keeps_the_base_models_licence(tmp_path):
    from seq2seq_data import all_texts, write_parallel_csv
    from tiny_models import make_tiny_t5

    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    base = make_tiny_t5(tmp_path / "base", all_texts(), hidden=32, layers=1)
    _card(base, "---\nlicense: cc-by-nc-4.0\n---\n# tiny\n")
    data = write_parallel_csv(tmp_path)
    spec = TrainSpec(
        train_data=str(data), eval_data=str(data), base_model=str(base), task="seq2seq", epochs=1
    )
    result = train(spec)
    assert model_licence(Registry().get(result.model_id)) == "cc-by-nc-4.0"
