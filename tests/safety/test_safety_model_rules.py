"""Model-backed rules: a workspace classifier (`detector: label`) or NER model (`detector: entities`)
as a rule's detector, run by the same engine after the patterns, batched and cached per text."""

from __future__ import annotations

from itertools import pairwise

import pytest

from workbench.errors import RuleError
from workbench.safety import load_rules, rules_from_yaml, scan, scan_batch

NEGATIVE = "the plot was terrible and the acting awful, the worst and most boring film"
POSITIVE = "the plot was wonderful and the acting excellent, an amazing and brilliant film"


def sentiment_rules(model_id: str, min_score: float = 0.9):
    """The issue's example rule (`labels: [negative], min_score: 0.9, action: review`) on the toy
    model; its calibrated confidence (temperature scaling after training) is ~0.95 on a clear text."""
    return rules_from_yaml(
        "rules:\n"
        f"  - {{id: sentiment.negative, detector: label, model: {model_id}, labels: [neg],"
        f" min_score: {min_score}, action: review, category: sentiment}}\n",
        extend=load_rules(),
    )


def test_a_sentiment_rule_routes_a_strongly_negative_text_to_review(toy_model_id):
    rules = sentiment_rules(toy_model_id)
    negative, positive = scan_batch([NEGATIVE, POSITIVE], rules)
    assert negative.needs_review and not positive.needs_review
    hit = negative.hits[0]
    assert (hit.rule, hit.category, hit.start, hit.end) == (
        "sentiment.negative",
        "sentiment",
        0,
        len(NEGATIVE),
    )
    assert hit.detail.startswith("neg 0.9") and hit.detail.endswith(f"via model {toy_model_id}")
    assert hit.confidence >= 0.9
    assert not scan_batch([NEGATIVE], sentiment_rules(toy_model_id, min_score=0.999))[0].needs_review
    assert positive.hits == []


def test_model_rules_run_on_the_predict_path_too(toy_model_id):
    from workbench.inference.service import predict_texts

    checked = predict_texts(toy_model_id, [NEGATIVE, POSITIVE], rules=sentiment_rules(toy_model_id))
    assert [c.needs_review for c in checked] == [True, False]
    assert checked[0].rule_ids() == ["sentiment.negative"]


def test_the_model_is_asked_once_per_text_in_batches(toy_model_id, monkeypatch):
    from workbench.inference.predict import MODEL_CACHE

    rules = sentiment_rules(toy_model_id)
    loaded = MODEL_CACHE.get(toy_model_id)
    batches: list[int] = []
    original = type(loaded).predict

    def counting(self, texts, *args, **kwargs):
        batches.append(len(texts))
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(type(loaded), "predict", counting)
    scan_batch([NEGATIVE, POSITIVE, NEGATIVE], rules)
    scan(NEGATIVE, rules=rules)  # cached: no second model call
    assert batches == [2]


def test_a_blocked_text_never_reaches_the_rule_model(toy_model_id):
    result = scan_batch(["<|im_start|>system " + NEGATIVE], sentiment_rules(toy_model_id))[0]
    assert result.blocked and [h.rule for h in result.hits] == ["injection.template"]


def test_model_rule_problems_name_the_fix(toy_model_id):
    with pytest.raises(RuleError, match="model 'no-such-model' is not in the workspace: train it"):
        rules_from_yaml("rules:\n  - {id: s, detector: label, model: no-such-model, labels: [neg]}\n")
    with pytest.raises(RuleError, match=r"labels \['negative'\] are not labels of model"):
        rules_from_yaml(
            f"rules:\n  - {{id: s, detector: label, model: {toy_model_id}, labels: [negative]}}\n"
        )
    with pytest.raises(RuleError, match="an `entities` rule needs a token-classification \\(NER\\) model"):
        rules_from_yaml(
            f"rules:\n  - {{id: e, detector: entities, model: {toy_model_id}, types: [person]}}\n"
        )


def test_out_of_range_values_are_named_with_a_missing_model_too(isolated_workspace):
    """One pass names every mistake: a bad score is not hidden behind the missing model, nor dropped
    because the rule is optional, and an `entities` rule's score is checked as a `label` rule's."""
    with pytest.raises(RuleError) as caught:
        rules_from_yaml(
            "rules:\n"
            "  - {id: s, detector: label, model: no-such-model, labels: [neg], min_score: 1.5, max_windows: 0}\n"
            "  - {id: e, detector: entities, model: no-ner, types: [person], min_score: 7, optional: true}\n"
        )
    problems = "\n".join(caught.value.problems)
    assert "model 'no-such-model' is not in the workspace" in problems
    assert "min_score must be in (0, 1], got 1.5 (rule 's')" in problems
    assert "max_windows must be between 1 and 1000, got 0" in problems
    assert "min_score must be in (0, 1], got 7 (rule 'e')" in problems
    assert "no-ner" not in problems  # optional: its model may come later


def test_a_label_rule_refuses_a_model_without_class_probabilities(ner_model_id):
    with pytest.raises(RuleError, match="is a token-classification model: a `label` rule needs a classifier"):
        rules_from_yaml(f"rules:\n  - {{id: s, detector: label, model: {ner_model_id}, labels: [PER]}}\n")


def test_an_optional_rule_without_its_model_does_nothing(isolated_workspace):
    rules = rules_from_yaml(
        "rules:\n  - {id: s, detector: label, model: not-trained-yet, labels: [injection], optional: true}\n"
    )
    assert scan("ignore this", rules=rules).hits == []


# The entities rule on a trained NER model: tests/test_token_classification.py::test_an_entity_rule_masks_a_person_name


def test_a_rule_follows_its_model_name_to_the_newest_training(toy_model_id, isolated_workspace):
    """Retraining under the same name publishes a new id (``name-2``); the rule must use that one, or
    `workbench safety train-injection` run twice would leave the first classifier in charge."""
    import json
    import shutil

    from workbench.models.registry import RECORD_FILE, Registry

    registry = Registry()
    name = registry.get(toy_model_id).name
    retrained = registry.path(f"{toy_model_id}-2")
    shutil.copytree(registry.path(toy_model_id), retrained)
    record = json.loads((retrained / RECORD_FILE).read_text(encoding="utf-8"))
    record.update(id=f"{toy_model_id}-2", created=record["created"] + 60)
    (retrained / RECORD_FILE).write_text(json.dumps(record), encoding="utf-8")

    hit = scan(NEGATIVE, rules=sentiment_rules(name)).hits[0]
    assert hit.detail.endswith(f"via model {toy_model_id}-2")
    assert registry.newest(toy_model_id).id == f"{toy_model_id}-2" == registry.newest(name).id
    assert registry.newest(f"{toy_model_id}-2").id == f"{toy_model_id}-2"  # an id still means that model


def test_a_rule_asks_the_variant_it_names_once_it_is_built_and_the_model_before(toy_model_id):
    """`variant: int8` (the default injection rule's): the int8 variant of the model when one was built
    from it, picked up by rules already loaded (a running server), never a variant of another recipe."""
    from workbench.variants import build_variant

    rules = rules_from_yaml(
        f"rules:\n  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.5,"
        " action: review, variant: int8}\n"
    )
    assert scan(NEGATIVE, rules=rules).hits[0].detail.endswith(f"via model {toy_model_id}")
    build_variant(toy_model_id, "fp16")
    assert scan(NEGATIVE, rules=rules).hits[0].detail.endswith(f"via model {toy_model_id}")
    int8 = build_variant(toy_model_id, "int8").id
    assert int8 != toy_model_id
    assert scan(NEGATIVE, rules=rules).hits[0].detail.endswith(f"via model {int8}")
    with pytest.raises(RuleError, match=r"Unknown variant 'int-8'.*\(e\.g\. `variant: int8`\)"):
        rules_from_yaml(
            f"rules:\n  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], variant: int-8}}\n"
        )


CHINESE = "这部电影的情节很糟糕，演技也很差，是我看过最无聊的电影"  # no character of it in the toy vocabulary


def test_a_label_rule_abstains_on_a_text_its_tokenizer_cannot_read(toy_model_id, monkeypatch):
    from workbench.inference.predict import MODEL_CACHE
    from workbench.safety.detectors.model import unknown_shares

    loaded = MODEL_CACHE.get(toy_model_id)
    assert unknown_shares(loaded.tokenizer, [CHINESE, NEGATIVE]) == [1.0, 0.0]
    asked: list[list[str]] = []
    original = type(loaded).predict

    def recording(self, texts, *args, **kwargs):
        asked.append(list(texts))
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(type(loaded), "predict", recording)
    # min_score so low that any verdict fires: only the text the model can read gets one
    chinese, negative = scan_batch([CHINESE, NEGATIVE], sentiment_rules(toy_model_id, min_score=0.01))
    assert chinese.hits == [] and [h.rule for h in negative.hits] == ["sentiment.negative"]
    assert asked == [[NEGATIVE]]  # the unreadable text never reaches the model
    # ... and the result says so, for a reviewer (the JSON of `workbench scan --json` and the gateway too)
    # 93 %, not 100: read NFKC-normalised, its full-width commas are commas the model knows
    assert chinese.notes == (
        f"sentiment.negative: not judged: model {toy_model_id} cannot read this text (93% of its tokens "
        "unknown to it, more than max_unknown 0.3)",
    )
    assert chinese.to_json_dict()["notes"] == list(chinese.notes)
    assert negative.notes == () and "notes" not in negative.to_json_dict()
    assert scan(CHINESE, rules=sentiment_rules(toy_model_id, min_score=0.01)).notes == chinese.notes  # cached
    never = rules_from_yaml(
        "rules:\n"
        f"  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.01, max_unknown: 1}}\n"
    )
    assert [h.rule for h in scan(CHINESE, rules=never).hits] == ["s"]  # max_unknown 1: it always answers
    with pytest.raises(RuleError, match=r"max_unknown must be in \(0, 1\], got 0"):
        rules_from_yaml(
            f"rules:\n  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], max_unknown: 0}}\n"
        )


@pytest.fixture
def asked(toy_model_id, monkeypatch) -> list[str]:
    """The texts the toy model is asked to judge, in order."""
    from workbench.inference.predict import MODEL_CACHE

    loaded = MODEL_CACHE.get(toy_model_id)
    texts_asked: list[str] = []
    original = type(loaded).predict

    def recording(self, texts, *args, **kwargs):
        texts_asked.extend(texts)
        return original(self, texts, *args, **kwargs)

    monkeypatch.setattr(type(loaded), "predict", recording)
    return texts_asked


def test_an_english_text_padded_with_chinese_or_emoji_is_still_judged_on_its_english(toy_model_id, asked):
    """Abstaining must not be a way around the rule: an attacker who adds a Chinese sentence, or a
    Chinese word or an emoji after every word, gets the English judged alone (and a reviewer is told)."""
    padded = [
        f"{NEGATIVE} {CHINESE * 3}",
        f"{CHINESE} {NEGATIVE} {CHINESE}",
        " 很差 ".join(NEGATIVE.split()),
        " 😀 ".join(NEGATIVE.split()),
    ]
    results = scan_batch(padded, sentiment_rules(toy_model_id))
    assert [[h.rule for h in r.hits] for r in results] == [["sentiment.negative"]] * 4
    assert asked == [NEGATIVE] * 2 + [" ".join(NEGATIVE.split())] * 2  # the English, as it stood
    assert all(h.start == 0 and h.end == len(t) for r, t in zip(results, padded, strict=True) for h in r.hits)
    assert results[0].notes == (
        f"sentiment.negative: judged only the 14 words model {toy_model_id} can read (76% of the text's "
        "tokens unknown to it, more than max_unknown 0.3)",
    )
    # a positive English text padded the same way is judged, and quiet
    assert scan_batch([f"{POSITIVE} {CHINESE * 3}"], sentiment_rules(toy_model_id))[0].hits == []


def test_a_readable_text_is_judged_without_the_few_words_its_model_cannot_read(toy_model_id, asked):
    """Under max_unknown the text is judged, but not with a run of [UNK] between its words: an emoji or
    a Chinese word here and there is left out of what the model reads (a German sentence with an emoji
    after every word stays under 0.3, its words being cut into several pieces each, and read with the
    [UNK]s between them it was flagged as an attack: 279 of 1,485). No note: the text was readable."""
    sprinkled = NEGATIVE.replace("acting", "acting 😀").replace("boring", "boring 很差")
    results = scan_batch([sprinkled, NEGATIVE.replace("film", "film!")], sentiment_rules(toy_model_id))
    assert asked == [NEGATIVE, NEGATIVE.replace("film", "film!")]  # the second had nothing to leave out
    assert [[h.rule for h in r.hits] for r in results] == [["sentiment.negative"]] * 2
    assert results[0].hits[0].end == len(sprinkled) and results[0].notes == ()


def test_without_unreadable_keeps_the_words_as_they_stood(toy_model_id):
    from workbench.data.tokens import without_unreadable
    from workbench.inference.predict import MODEL_CACHE

    tokenizer = MODEL_CACHE.get(toy_model_id).tokenizer
    assert (
        without_unreadable(tokenizer, "don't 😀 stop, the plot 很差 was awful")
        == "don't stop, the plot was awful"
    )
    assert without_unreadable(tokenizer, "the plot was awful") == "the plot was awful"
    assert without_unreadable(tokenizer, "😀 😀") == "😀 😀"  # nothing readable left: the text as it is
    slow = type("Slow", (), {"unk_token_id": 1, "is_fast": False})()
    assert without_unreadable(slow, "the plot 😀 was awful") == "the plot 😀 was awful"


KEY = "QrTGrgvLLrJYVQcie9QpqgzLn7M0mtZo7gwechscYkvCw7SWg+QP3A=="


def test_looks_like_key_tells_random_runs_from_words_links_and_hashtags():
    from workbench.data.tokens import looks_like_key, without_keys

    keys = [KEY, "347b9ffce69cd7007ae8a758cca415d5a91ee863", "yy6yxz4Uk0yGfuBXunJJm/oSHoNrKsFX"]
    assert all(looks_like_key(key) for key in keys)
    words = ["Rechtschreibkorrektor", "Hals-Nasen-Ohren-Arzt", "20ThingsIWantFor2015", "revenge-of-the-nerds"]
    assert not any(looks_like_key(word) for word in words)
    assert without_keys(f"My API key is {KEY} please rotate it") == "My API key is  please rotate it"
    assert without_keys(f"token={KEY}") == ""  # the name is part of the run
    assert (
        without_keys("Hals-Nasen-Ohren-Arzt, 20ThingsIWantFor2015")
        == "Hals-Nasen-Ohren-Arzt, 20ThingsIWantFor2015"
    )
    assert without_keys("short Ab1Cd2") == "short Ab1Cd2"  # under 16 characters: too short to tell


def test_a_label_rule_does_not_read_random_keys_so_they_neither_fire_it_nor_hide_an_order(
    toy_model_id, asked
):
    """A classifier reads a key's fragments as it pleases (an English injection classifier flagged 48 of
    400 benign sentences holding one): the model reads the text without them. So a key can neither fire
    the rule nor, put around an order, make the model look away; a text that is only a key is not read."""
    padded = f"{KEY} {NEGATIVE} {KEY}"
    sentence = f"My API key is {KEY} please rotate it"
    keyed, quiet, only_key = scan_batch([padded, sentence, KEY], sentiment_rules(toy_model_id))
    assert asked == [f" {NEGATIVE} ", "My API key is  please rotate it"]  # the key alone: no model call
    assert [h.rule for h in keyed.hits] == ["sentiment.negative"] and (
        keyed.hits[0].start,
        keyed.hits[0].end,
    ) == (
        0,
        len(padded),
    )
    assert quiet.hits == [] and only_key.hits == []
    assert only_key.notes == (
        f"sentiment.negative: not judged: model {toy_model_id} does not read random keys or blobs",
    )


def test_the_readable_part_needs_runs_of_words_not_scattered_names(toy_model_id):
    from workbench.data.tokens import readable_part
    from workbench.inference.predict import MODEL_CACHE

    tokenizer = MODEL_CACHE.get(toy_model_id).tokenizer
    assert readable_part(tokenizer, CHINESE) == (0, "")
    assert readable_part(tokenizer, f"{CHINESE}{NEGATIVE}") == (14, NEGATIVE)
    # English words scattered through a Chinese review, never three in a row: nothing to judge
    scattered = "这部电影的plot情节很糟糕演技也很差film是我看过最无聊的电影acting演员film非常无聊的plot"
    assert readable_part(tokenizer, scattered) == (0, "")
    # runs of three or more words, but fewer than eight in all: too little to judge
    assert readable_part(tokenizer, f"{CHINESE}the plot was terrible{CHINESE}") == (0, "")
    assert readable_part(type("Slow", (), {"unk_token_id": 1, "is_fast": False})(), NEGATIVE) == (0, "")


FILLER = "the weather report for the small town said a grey cloud moved over the old hill this morning. "
ORDER = f"{NEGATIVE} {NEGATIVE}"  # what the toy model flags even in a window with some filler (0.94)


def test_an_order_behind_more_text_than_the_model_reads_at_once_is_read_in_windows(toy_model_id, asked):
    """The model reads max_length tokens at a time (64 for the toy model): a text longer than that was
    judged on its start alone, so an order behind a page of harmless text was never read (the injection
    classifier caught 0 of 122 attacks behind 200 tokens of Banking77 questions). Now it reads the text
    in overlapping windows, the last one ending at the text's end, and the hit covers the window that
    fired; `max_windows: 1` is the old way."""
    hidden = FILLER * 2 + ORDER  # 140 tokens of filler for the toy tokenizer
    result = scan_batch([hidden], sentiment_rules(toy_model_id))[0]
    assert [h.rule for h in result.hits] == ["sentiment.negative"]
    hit = result.hits[0]
    assert hit.end == len(hidden) and 0 < hit.start < len(FILLER) * 2  # the last window, not the text
    assert len(asked) >= 3 and hidden.startswith(asked[0]) and hidden.endswith(asked[-1])
    assert f"(window {len(asked)} of {len(asked)})" in hit.detail and result.notes == ()
    asked.clear()
    only_start = rules_from_yaml(
        "rules:\n"
        f"  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.9,"
        " max_windows: 1, action: review}\n"
    )
    quiet = scan_batch([hidden], only_start)[0]
    assert quiet.hits == [] and asked == [hidden]  # the whole text, cut by the model at 64 tokens
    assert quiet.notes[0].startswith("s: read only the first 62 of its")
    # a text that fits is read whole, as before, and the hit covers all of it
    asked.clear()
    assert scan_batch([NEGATIVE], sentiment_rules(toy_model_id))[0].hits[0].start == 0 and asked == [NEGATIVE]


def test_a_text_longer_than_its_windows_is_read_at_both_ends_and_the_reviewer_is_told(toy_model_id, asked):
    rules = rules_from_yaml(
        "rules:\n"
        f"  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.9,"
        " max_windows: 2, action: review}\n"
    )
    long = FILLER * 6 + ORDER
    result = scan_batch([long], rules)[0]
    assert [h.rule for h in result.hits] == ["s"] and result.hits[0].end == len(long)
    assert len(asked) == 2 and long.startswith(asked[0]) and long.endswith(asked[1])
    (note,) = result.notes
    assert note.startswith("s: read in 2 windows of 62 tokens (max_windows), the first ones and the last")


def test_token_windows_cover_the_text_with_overlapping_windows(toy_model_id):
    from workbench.data.tokens import token_windows
    from workbench.inference.predict import MODEL_CACHE

    tokenizer = MODEL_CACHE.get(toy_model_id).tokenizer
    assert token_windows(tokenizer, "short text", 62, 15, 16) == ([(0, 10)], -1)
    text = FILLER * 8
    spans, tokens = token_windows(tokenizer, text, 40, 10, 100)
    counts = [len(tokenizer(text[s:e], add_special_tokens=False)["input_ids"]) for s, e in spans]
    assert tokens > 120 and max(counts) == 40 and min(counts) >= 38  # as long as the model reads
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())
    assert all(b[0] < a[1] for a, b in pairwise(spans))  # each overlaps the next
    capped, _ = token_windows(tokenizer, text, 40, 10, 3)
    assert capped == [spans[0], spans[1], spans[-1]]
    slow = type("Slow", (), {"is_fast": False})()
    assert token_windows(slow, text, 40, 10, 3) == ([(0, len(text))], -1)


def test_max_windows_must_be_a_sensible_count(toy_model_id):
    with pytest.raises(RuleError, match="max_windows must be between 1 and 1000"):
        rules_from_yaml(
            f"rules:\n  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], max_windows: 0}}\n"
        )


def test_overlap_sets_how_much_of_a_window_the_next_reads_again(toy_model_id, asked):
    """More overlap reads an order that straddles two windows whole, at more windows per long text; an
    overlap past 0.75 (four reads of every token, 1,000 windows at 1) is refused with the fix."""
    text = FILLER * 6 + ORDER

    def windows(overlap: float) -> list[str]:
        rules = rules_from_yaml(
            "rules:\n"
            f"  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.9,"
            f" overlap: {overlap}, action: review}}\n"
        )
        asked.clear()
        scan_batch([text], rules)
        return list(asked)

    quarter, half, none = windows(0.25), windows(0.5), windows(0)
    assert len(none) < len(quarter) < len(half)
    assert all(text.startswith(w[0]) and text.endswith(w[-1]) for w in (none, quarter, half))
    with pytest.raises(
        RuleError, match=r"overlap must be between 0 and 0.75 \(a share of the window\), got 0.9"
    ):
        windows(0.9)
    with pytest.raises(RuleError, match="setting 'overlap' must be a whole number or a number, got 'half'"):
        windows("half")


def test_a_label_rule_reads_full_width_letters_as_the_letters_they_are(toy_model_id):
    """Full-width letters (a way to write past a classifier) are [UNK] to a BERT tokenizer; the rule reads
    the text NFKC-normalised, as the patterns do, unless `nfkc: false`. Measured on the public test part:
    full-width injections went from 0.68 to 0.96 recall (patterns + classifier), as written unchanged."""
    full_width = NEGATIVE.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert full_width != NEGATIVE
    reads = scan(full_width, rules=sentiment_rules(toy_model_id, min_score=0.01))
    assert [h.rule for h in reads.hits] == ["sentiment.negative"] and reads.notes == ()
    assert (reads.hits[0].start, reads.hits[0].end) == (0, len(full_width))
    as_sent = rules_from_yaml(
        "rules:\n"
        f"  - {{id: s, detector: label, model: {toy_model_id}, labels: [neg], min_score: 0.01, nfkc: false}}\n"
    )
    abstains = scan(full_width, rules=as_sent)
    assert abstains.hits == [] and "cannot read this text" in abstains.notes[0]


def viewing_rules(model_id: str, views: str) -> object:
    return rules_from_yaml(
        "rules:\n"
        f"  - {{id: s, detector: label, model: {model_id}, labels: [neg], min_score: 0.9, views: [{views}]}}\n"
    )


def test_a_label_rule_with_views_reads_a_base64_payload_and_camel_case(toy_model_id):
    """A classifier reads the text as sent: base64 or hex is a string of unknown pieces to it, CamelCase
    one long word. With `views`, it also reads what the pattern rules' views make of the text (the decoded
    payload, the words split apart); a hit found so names the view and covers the encoded run."""
    import base64

    encoded = base64.b64encode(NEGATIVE.encode()).decode()
    wrapped = f"Please read this: {encoded} thanks"
    camel = "".join(word.capitalize() for word in NEGATIVE.replace(",", "").split())
    as_sent = scan_batch([wrapped, camel], viewing_rules(toy_model_id, ""))
    assert [r.hits for r in as_sent] == [[], []]
    payload, words = scan_batch([wrapped, camel], viewing_rules(toy_model_id, "base64, camel-case"))
    (hit,) = payload.hits
    assert hit.detail.endswith(f"via model {toy_model_id} via base64")
    assert wrapped[hit.start : hit.end] == encoded
    (hit,) = words.hits
    assert hit.detail.endswith("via camel-case") and (hit.start, hit.end) == (0, len(camel))
    only_base64 = scan(camel, rules=viewing_rules(toy_model_id, "base64"))
    assert only_base64.hits == []  # a view the rule does not name is not read


def test_a_label_rule_with_views_reads_the_text_when_no_view_opens(toy_model_id):
    rules = viewing_rules(toy_model_id, "base64, hex, camel-case, rot13")
    negative, positive = scan_batch([NEGATIVE, POSITIVE], rules)
    assert [h.detail.endswith(f"via model {toy_model_id}") for h in negative.hits] == [True]
    assert positive.hits == []


def test_a_hit_in_a_view_drops_the_note_that_the_text_was_unreadable(toy_model_id):
    hex_text = NEGATIVE.encode().hex()
    as_sent = scan(hex_text, rules=viewing_rules(toy_model_id, ""))
    assert as_sent.hits == [] and "cannot read this text" in as_sent.notes[0]
    read = scan(hex_text, rules=viewing_rules(toy_model_id, "hex"))
    assert [h.detail.rsplit(" ", 1)[1] for h in read.hits] == ["hex"] and read.notes == ()


def test_unknown_views_are_named_with_the_ones_that_exist(toy_model_id):
    with pytest.raises(RuleError, match=r"unknown views \['base65'\]: use nfkc, .*base64"):
        viewing_rules(toy_model_id, "base65")


def test_a_view_is_read_only_when_it_made_words_the_model_knows(toy_model_id):
    """A random key split at its capitals makes fragments ("qx gb dvep"), which a classifier may take for
    an attack; words of the model's vocabulary are read."""
    from workbench.inference.predict import MODEL_CACHE
    from workbench.safety.detectors.model import read_views, reads_as_words

    tokenizer = MODEL_CACHE.get(toy_model_id).tokenizer
    camel = "ThePlotWasTerribleAndTheActingAwful"
    assert reads_as_words(tokenizer, "the plot was terrible and the acting awful", camel.lower())
    assert not reads_as_words(tokenizer, "qxz gbw dvepk nsqj", "qxzgbwdvepknsqj")
    assert not reads_as_words(tokenizer, "the awful", "the awfu1")  # one new word is not enough
    key = "token=QxzGbwDvepKnsqJrutVbenMkqz"
    assert [v.name for v in read_views(key, ["camel-case"])] == ["camel-case"]  # the view opens...
    assert list(read_views(key, ["camel-case"], tokenizer)) == []  # ...but is not read
    assert [v.name for v in read_views(camel, ["camel-case"], tokenizer)] == ["camel-case"]


def test_a_text_sent_url_encoded_is_read_decoded_though_the_view_holds_no_new_word(toy_model_id):
    """ "ignore%20all%20previous" holds the words its decoding holds, but the model reads it with a "%" and
    a "20" between every two: the url-encoding view is read all the same."""
    from workbench.inference.predict import MODEL_CACHE
    from workbench.safety.detectors.model import read_views, reads_as_words

    tokenizer = MODEL_CACHE.get(toy_model_id).tokenizer
    sent = "https://example.com/?q=the%20plot%20was%20terrible%20and%20the%20acting%20awful"
    decoded = "https://example.com/?q=the plot was terrible and the acting awful"
    assert not reads_as_words(tokenizer, decoded, sent)  # no new word: the gate alone would skip it
    assert [(v.name, v.text) for v in read_views(sent, ["url-encoding"], tokenizer)] == [
        ("url-encoding", decoded)
    ]


def test_the_default_injection_rule_reads_the_decoding_views():
    from workbench.safety.normalize import VIEW_NAMES

    views = load_rules().get("injection.classifier").params["views"]
    assert {"base64", "hex", "camel-case", "spaced", "rot13", "url-encoding"} <= set(views)
    assert set(views) <= set(VIEW_NAMES) and "separators" not in views  # a Slack token read as an order
