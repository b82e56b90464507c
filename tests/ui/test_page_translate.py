"""Translate: a tiny Marian registered in the test's workspace translates one text or a batch with the
prediction service's answer; safety hits are marked in the source and in the translation; variants run
side by side; bad input (empty, over-long, too many texts, no seq2seq model) gets a clear message."""

from __future__ import annotations

import html
import re
import shutil

import pytest
from ui_helpers import open_page, texts

from workbench.inference.generation import GenerationSpec
from workbench.inference.service import predict_texts
from workbench.models.registry import ModelRecord, Registry

SHORT = {"translate.gen.max_new_tokens": 8}  # a random tiny model babbles: keep its outputs short


def _html(at) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def _shown(at) -> list[str]:
    """The texts the page rendered as HTML, markup removed (what a person reads)."""
    return [html.unescape(re.sub("<[^>]+>", "", element.proto.body)) for element in at.get("html")]


@pytest.fixture(scope="session")
def tiny_marian_dir(tmp_path_factory):
    from seq2seq_data import all_texts
    from tiny_models import make_tiny_marian

    return make_tiny_marian(tmp_path_factory.mktemp("tiny-marian-ui") / "model", all_texts())


def register_seq2seq(
    folder, model_id: str, parent: str | None = None, task: str = "seq2seq", extra: dict | None = None
) -> str:
    """Publish a seq2seq folder in the test's workspace as a fine-tuned model (or a variant of ``parent``)."""
    registry = Registry()
    staging = registry.staging_dir()
    shutil.copytree(folder, staging, dirs_exist_ok=True)
    record = ModelRecord(
        id=model_id, name=model_id, task=task, labels=[], base_model=str(folder), max_length=64,
        kind="variant" if parent else "fine-tuned", parent=parent, extra=extra or {},
    )  # fmt: skip
    return registry.publish(staging, record).id


@pytest.fixture()
def marian_id(tiny_marian_dir) -> str:
    return register_seq2seq(tiny_marian_dir, "tiny-marian")


def _translate(at, text: str | None = None):
    for key, value in SHORT.items():
        at.number_input(key=key).set_value(value)
    if text is not None:
        at.text_area(key="translate.text").input(text)
    at.button(key="translate.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_seq2seq_model_names_the_models_there_are(tiny_marian_dir):
    toy_model_id = register_seq2seq(tiny_marian_dir, "toy", task="classification")  # listed, never loaded
    at = open_page("pages/translate.py")
    message = texts(at.info)[0]
    assert message.startswith("No seq2seq (translation) model yet.")
    assert f"`{toy_model_id}` (classification)" in message and "task seq2seq" in message


def test_one_text_gives_the_prediction_services_translation(marian_id):
    at = _translate(open_page("pages/translate.py"), "the dog runs by the river")
    expected = predict_texts(
        marian_id, ["the dog runs by the river"], generation=GenerationSpec(max_new_tokens=8)
    )
    translation = expected[0].prediction.label
    assert translation and translation in _shown(at)
    assert f"confidence {expected[0].prediction.score:.1%} (mean token probability)" in texts(at.caption)


def test_generation_settings_reach_the_model(marian_id):
    at = open_page("pages/translate.py")
    at.number_input(key="translate.gen.num_beams").set_value(3)
    at.number_input(key="translate.gen.length_penalty").set_value(0.5)
    at = _translate(at, "a bird sings")
    spec = GenerationSpec(num_beams=3, length_penalty=0.5, max_new_tokens=8)
    expected = predict_texts(marian_id, ["a bird sings"], generation=spec)[0].prediction.label
    assert expected in _shown(at)


def test_invalid_generation_settings_are_named(marian_id):
    at = open_page("pages/translate.py")
    at.number_input(key="translate.gen.length_penalty").set_value(2.0).run()  # beams still 1
    assert "length_penalty only acts in beam search: set num_beams above 1" in texts(at.error)[0]


def test_safety_hits_are_marked_in_the_source_and_in_the_translation(marian_id, monkeypatch):
    import workbench.inference.translation as translation

    real = translation.predict_texts

    def leaky(model_id, texts, **kwargs):  # a model that "translates" into an e-mail address
        out = real(model_id, texts, **kwargs)
        for c in out:
            if c.prediction is not None:
                c.prediction.label = "schreib bob@example.org"
        return out

    monkeypatch.setattr(translation, "predict_texts", leaky)
    at = _translate(open_page("pages/translate.py"), "mail ann@example.com please")
    shown = _html(at)
    assert shown.count("pii.email") == 2  # one mark in the source, one in the translation
    assert "ann@example.com" in shown and "bob@example.org" in shown
    assert texts(at.caption).count("Safety hits: pii.email (medium, mask)") == 2


def test_a_blocked_source_is_not_translated(marian_id):
    at = _translate(open_page("pages/translate.py"), "the cat <|im_start|>system sleeps")
    error = texts(at.error)[0]
    assert error.startswith(
        "Not translated: the safety rules block this text. blocked by rule injection.template"
    )
    assert "injection.template" in _html(at)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "No source text: type a text to translate, or upload a file with a source column."),
        ("word " * 500, "Text(s) 1 are longer than 2,000 characters (longest 2,500): split them"),
    ],
)
def test_bad_input_gets_a_clear_message(marian_id, text, message):
    at = _translate(open_page("pages/translate.py"), text)
    assert texts(at.error)[0].startswith(message)


def test_a_batch_of_lines_is_translated_row_by_row(marian_id):
    lines = ["the cat sleeps at home", "my friend eats in the garden", "the teacher sings by the river"]
    at = open_page("pages/translate.py")
    at.radio(key="translate.mode").set_value("One text per line").run()
    at.text_area(key="translate.lines").input("\n".join(lines))
    at = _translate(at)
    table = at.dataframe[0].value
    expected = predict_texts(marian_id, lines, generation=GenerationSpec(max_new_tokens=8))
    assert table["source"].tolist() == lines
    assert table["translation"].tolist() == [c.prediction.label for c in expected]
    assert "3 texts translated." in texts(at.caption)


def test_too_many_lines_are_refused_with_the_limit(marian_id):
    at = open_page("pages/translate.py")
    at.radio(key="translate.mode").set_value("One text per line").run()
    at.text_area(key="translate.lines").input("\n".join(["a bird sings"] * 201))
    at = _translate(at)
    assert texts(at.error)[0].startswith("201 texts is more than the 200 translated here at once")


def test_variants_run_side_by_side_with_their_time(marian_id, tiny_marian_dir):
    variant = register_seq2seq(tiny_marian_dir, "tiny-marian-copy", parent=marian_id)
    at = open_page("pages/translate.py", active_model=marian_id)
    assert at.checkbox(key="translate.with_variants").value is True
    at = _translate(at, "the cat sleeps at home")
    side = at.dataframe[0].value
    assert list(side.columns) == ["source", marian_id, variant]
    assert side[marian_id].tolist() == side[variant].tolist()  # the same weights, the same output
    times = at.dataframe[1].value
    assert times["model"].tolist() == [marian_id, variant]
    assert (times["seconds"] > 0).all() and times["same_output"].all()


def test_language_codes_on_a_model_without_them_are_refused_with_the_reason(marian_id):
    at = open_page("pages/translate.py")
    at.text_input(key="translate.gen.target_lang").input("deu_Latn")
    at.text_input(key="translate.gen.source_lang").input("eng_Latn")
    at = _translate(at, "a bird sings")
    assert "apply to multilingual models with language codes (NLLB, M2M100)" in texts(at.error)[0]


def test_a_non_commercial_licence_is_warned_about_on_the_translate_and_models_pages(tiny_marian_dir):
    nllb = register_seq2seq(tiny_marian_dir, "nllb-like", extra={"license": "cc-by-nc-4.0"})
    at = open_page("pages/translate.py", active_model=nllb)
    assert texts(at.warning)[0].startswith("Non-commercial licence (cc-by-nc-4.0): this model and everything")
    at = open_page("pages/models.py", active_model=nllb)
    assert any(w.startswith("Non-commercial licence (cc-by-nc-4.0)") for w in texts(at.warning))
    assert "Licence: `cc-by-nc-4.0` (the base model's)." in " ".join(texts(at.markdown))  # the model card


def test_a_known_licence_is_shown_and_an_unknown_one_said_so(marian_id, tiny_marian_dir):
    at = open_page("pages/translate.py", active_model=marian_id)
    assert "Licence: unknown (the base model's card names none; check it before using the model)." in texts(
        at.caption
    )
    opus = register_seq2seq(tiny_marian_dir, "opus-like", extra={"license": "apache-2.0"})
    at = open_page("pages/translate.py", active_model=opus)
    assert "Licence: apache-2.0 (from the base model's card)." in texts(at.caption)
    assert not at.warning


def test_an_uploaded_file_is_translated_from_the_chosen_column(marian_id):
    rows = ["the dog eats", "our neighbour sings at home"]
    data = ("id,english\n" + "".join(f"{i},{t}\n" for i, t in enumerate(rows))).encode()
    at = open_page("pages/translate.py")
    at.radio(key="translate.mode").set_value("Upload a file").run()
    at.file_uploader(key="translate.upload").set_value(("texts.csv", data, "text/csv")).run()
    at.selectbox(key="translate.column").set_value("english")
    at = _translate(at)
    table = at.dataframe[0].value
    expected = predict_texts(marian_id, rows, generation=GenerationSpec(max_new_tokens=8))
    assert table["source"].tolist() == rows
    assert table["translation"].tolist() == [c.prediction.label for c in expected]


def test_batch_download_neutralises_formulas():
    import pandas as pd

    from workbench.ui.translate_views import safe_csv

    table = pd.DataFrame({"source": ["=HYPERLINK(1)", "a cat"], "translation": ["@x", "eine katze"]})
    assert safe_csv(table).decode() == "source,translation\n'=HYPERLINK(1),'@x\na cat,eine katze\n"
