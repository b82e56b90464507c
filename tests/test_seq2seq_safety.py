"""Safety both ways for translation: blocked sources are never translated, personal data reaches the
model only as numbered placeholders and comes back in place, a lost or repeated placeholder routes
the row to review, and output rules judge the translation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from workbench.errors import DataError, SpecError
from workbench.inference.checked import predict_checked
from workbench.safety import load_rules, rules_from_yaml, scan_batch
from workbench.safety.placeholders import mask_with_placeholders, placeholder_style, restore_placeholders
from workbench.tasks import Prediction, get_task

EMAIL, CARD = "jane@example.com", "4111 1111 1111 1111"
SOURCE = f"Write to {EMAIL} about card {CARD} today"


@dataclass
class FakeTranslator:
    """A deterministic "model": rewrites each source with ``rewrite`` and records what it was given."""

    rewrite: object = staticmethod(lambda text: text.upper())
    seen: list[str] = field(default_factory=list)
    task: object = field(default_factory=lambda: get_task("seq2seq"))
    id: str = "fake-mt"

    def predict(self, texts, pairs=None, *, batch_size=32, progress=None, **options):
        self.seen += list(texts)
        return [Prediction(label=self.rewrite(t), score=0.9) for t in texts]


def _swap_placeholders(text: str) -> str:
    """Reorder like a translation that moves words: the two placeholders change places."""
    return text.replace("[1]", "#").replace("[2]", "[1]").replace("#", "[2]")


def test_personal_data_never_reaches_the_model_and_comes_back_in_place():
    model = FakeTranslator(rewrite=lambda t: "SCHREIB AN " + t.split(" to ", 1)[1].upper())
    [checked] = predict_checked(model, [SOURCE], rules=load_rules())
    assert model.seen == ["Write to [1] about card [2] today"]
    assert checked.prediction.label == f"SCHREIB AN {EMAIL} ABOUT CARD {CARD} TODAY"
    assert checked.masked_output == "SCHREIB AN [EMAIL] ABOUT CARD [CREDIT_CARD] TODAY"
    assert not checked.needs_review and not checked.blocked


def test_reordered_placeholders_restore_each_value_where_the_model_put_it():
    model = FakeTranslator(rewrite=_swap_placeholders)
    [checked] = predict_checked(model, [SOURCE], rules=load_rules())
    assert checked.prediction.label == f"Write to {CARD} about card {EMAIL} today"


def test_tokeniser_spacing_and_case_do_not_break_restoring():
    model = FakeTranslator(rewrite=lambda t: t.replace("[1]", "[ 1 ]").lower())
    [checked] = predict_checked(model, [SOURCE], rules=load_rules())
    assert checked.prediction.label == f"write to {EMAIL} about card {CARD} today"


def test_a_lost_placeholder_routes_the_row_to_review_with_the_reason():
    model = FakeTranslator(rewrite=lambda t: t.replace(" [2]", ""))
    [checked] = predict_checked(model, [SOURCE], rules=load_rules())
    assert checked.prediction.label == f"Write to {EMAIL} about card today"
    assert checked.needs_review and "output.placeholder" in checked.rule_ids()
    [record] = [r for r in checked.hit_records() if r["rule"] == "output.placeholder"]
    assert record["detail"] == (
        "placeholder [2] ([CREDIT_CARD], rule pii.credit_card) was lost in the output: "
        "check the text at this place by hand"
    )
    assert (record["start"], record["end"], record["field"]) == (37, 56, "text")
    assert SOURCE[37:56] == CARD and CARD not in str(checked.hit_records())


def test_a_repeated_placeholder_is_flagged_too():
    model = FakeTranslator(rewrite=lambda t: t + " [1]")
    [checked] = predict_checked(model, [SOURCE], rules=load_rules())
    assert checked.prediction.label.count(EMAIL) == 2
    assert any("was repeated 2 times in the output" in h.detail for h in checked.hits)


def test_a_blocked_source_is_not_translated_and_says_why():
    model = FakeTranslator()
    checked = predict_checked(model, ["", "fine text"], rules=load_rules())
    assert model.seen == ["fine text"]
    assert checked[0].prediction is None and checked[0].blocked
    assert checked[0].block_reason.startswith("blocked by rule input.empty")
    assert checked[1].prediction.label == "FINE TEXT"


def test_output_rules_judge_the_translation_and_can_withhold_it():
    rules = rules_from_yaml(
        "rules:\n"
        "  - {id: out.terms, detector: generated_terms, terms: [verboten], action: block, category: output}\n"
        "  - {id: out.review, detector: generated_terms, terms: [heikel], action: review, category: output}\n",
        extend=load_rules(),
    )
    model = FakeTranslator(rewrite=lambda t: {"a": "das ist verboten", "b": "etwas heikel"}[t])
    blocked, reviewed = predict_checked(model, ["a", "b"], rules=rules)
    assert blocked.prediction is None and blocked.blocked
    assert blocked.block_reason == "output blocked by rule out.terms (output, medium) at characters 8-16"
    assert reviewed.prediction.label == "etwas heikel" and reviewed.needs_review
    [hit] = reviewed.output_safety.hits
    assert (hit.rule, hit.start, hit.end) == ("out.review", 6, 12)
    assert [r["field"] for r in reviewed.hit_records()] == ["output"]


def test_generated_terms_never_judge_a_class_label():
    from workbench.safety import check_output

    rules = rules_from_yaml(
        "rules:\n  - {id: out.terms, detector: generated_terms, terms: [spam], category: output}\n"
    )
    assert check_output("spam", {"spam": 0.99}, "buy now", rules=rules) == []


def test_low_confidence_reads_the_generation_score():
    model = FakeTranslator()
    model.predict = lambda texts, pairs=None, **kw: [Prediction(label="x", score=0.2) for _ in texts]
    [checked] = predict_checked(model, ["unsure"], rules=load_rules())
    assert checked.needs_review and checked.rule_ids() == ["output.low_confidence"]


def test_a_text_pair_is_refused_with_the_fix():
    with pytest.raises(
        SpecError, match=r"Model 'fake-mt' generates text from one source text: drop the second"
    ):
        predict_checked(FakeTranslator(), ["a"], ["b"], rules=load_rules())


def test_numbers_already_in_the_text_are_never_taken_for_placeholders():
    text = f"See [1] and [3], then mail {EMAIL}"
    [scan] = scan_batch([text], load_rules(), mask_pii=True)
    masked = mask_with_placeholders(text, scan)
    assert masked.text == "See [1] and [3], then mail [4]"
    restored = restore_placeholders("Siehe [1] und [3], dann [4]", masked)
    assert restored.text == f"Siehe [1] und [3], dann {EMAIL}" and restored.problems == ()


@pytest.mark.parametrize(
    ("style", "mangled"),
    [("bracket", "[ 2 ]"), ("dunder", "_ _ pii2 _ _"), ("angle", "< pii _ 2 >")],
)
def test_each_style_survives_what_a_wordpiece_tokeniser_does_to_it(style, mangled):
    found = placeholder_style(style).finder.fullmatch(mangled)
    assert found and found.group("n") == "2"


def test_an_unknown_style_names_the_choices():
    with pytest.raises(
        SpecError, match=re.escape("Unknown placeholder style 'xml'. Choose one of: bracket, dunder, angle.")
    ):
        placeholder_style("xml")


@pytest.fixture()
def copy_model(copy_model_id):
    from workbench.inference.predict import load_model

    return load_model(copy_model_id)


def test_tiny_marian_round_trip_keeps_the_address_out_of_the_model(copy_model, monkeypatch):
    seen = []
    real_predict = copy_model.predict
    monkeypatch.setattr(
        copy_model, "predict", lambda texts, *a, **k: seen.extend(texts) or real_predict(texts, *a, **k)
    )
    sources = [f"the cat {EMAIL} sleeps at home", f"{EMAIL} the cat sleeps at home {CARD}"]
    checked = predict_checked(copy_model, sources, rules=load_rules())
    assert seen == ["the cat [1] sleeps at home", "[1] the cat sleeps at home [2]"]
    first, second = (c.prediction.label for c in checked)
    assert first == sources[0]  # a sentence of the copy set, copied word for word
    # the tiny model may garble words of the rest, but each value comes back once, where it was
    assert second.startswith(f"{EMAIL} the cat") and second.endswith(CARD) and second.count(CARD) == 1
    assert checked[0].masked_output == "the cat [EMAIL] sleeps at home"
    assert checked[1].masked_output.startswith("[EMAIL] the cat")
    assert not any("output.placeholder" in c.rule_ids() for c in checked)


def test_placeholder_survival_on_the_tiny_copy_model(copy_model):
    from seq2seq_copy import held_out_sources

    from workbench.inference.placeholder_survival import measure_placeholder_survival

    texts = [s.replace("[1]", EMAIL).replace("[2]", CARD) for s in held_out_sources()]
    report = measure_placeholder_survival(copy_model, texts, "bracket", rules=load_rules()).to_dict()
    assert report["texts"] == len(texts) and report["placeholders"] == 72
    assert report["tokenizer_survival"] == 1.0
    assert report["model_survival"] >= 0.8, report
    # a style the model never saw: it babbles up to its 64 positions (capped, no crash) and loses them
    other = measure_placeholder_survival(copy_model, texts[:4], "dunder", rules=load_rules()).to_dict()
    assert other["tokenizer_survival"] == 1.0 and other["model_survival"] < 0.5
    with pytest.raises(DataError, match="None of the texts holds personal data the safety rules mask"):
        measure_placeholder_survival(copy_model, ["the cat sleeps"], "bracket", rules=load_rules())


def test_predict_texts_takes_the_placeholder_style(copy_model_id, monkeypatch):
    from workbench.inference import predict as predict_module
    from workbench.inference.service import predict_texts

    seen = []
    real = predict_module.LoadedModel.predict

    def spy(self, texts, *args, **kwargs):
        seen.extend(texts)
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(predict_module.LoadedModel, "predict", spy)
    [checked] = predict_texts(copy_model_id, [f"the cat {EMAIL} sleeps at home"], placeholders="dunder")
    assert seen == ["the cat __PII1__ sleeps at home"]
    assert checked.model_text == seen[0]


def test_max_new_tokens_stays_inside_the_position_table():
    from types import SimpleNamespace

    from workbench.inference.generation import GenerationSpec

    marian = SimpleNamespace(config=SimpleNamespace(max_position_embeddings=64))
    assert GenerationSpec().generate_kwargs(marian)["max_new_tokens"] == 63
    assert GenerationSpec(max_new_tokens=20).generate_kwargs(marian)["max_new_tokens"] == 20
    t5 = SimpleNamespace(config=SimpleNamespace())  # relative positions: no table, no cap
    assert GenerationSpec().generate_kwargs(t5)["max_new_tokens"] == 128
