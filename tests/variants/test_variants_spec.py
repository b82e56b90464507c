"""Variant recipes: parsing, validation messages, the registry listing. No models needed."""

from __future__ import annotations

import re

import pytest

from workbench.errors import SpecError
from workbench.variants import VARIANTS, VariantSpec, VariantStep, list_variants, parse_variant_spec


def test_stacked_spec_parses_into_steps_and_prints_back():
    spec = parse_variant_spec("distill:3+int8", epochs=1.0)
    assert spec.steps == (VariantStep("distill", 3), VariantStep("int8"))
    assert str(spec) == "distill:3+int8"
    assert [s.slug for s in spec.steps] == ["distill3", "int8"]
    assert spec.epochs == 1.0
    assert str(parse_variant_spec("prune:0.25")) == "prune:0.25"
    assert parse_variant_spec("prune:0.25").steps[0].slug == "prune25"


def test_unknown_variant_lists_the_known_ones():
    with pytest.raises(SpecError, match=re.escape("Unknown variant 'int4'. Choose one of: bf16, distill:K,")):
        parse_variant_spec("int4")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "drop-layers:0",
            "drop-layers:0: K is the number of layers to keep, a whole number from 1 up; got 0.",
        ),
        ("distill:2.5", "distill:2.5: K is the number of layers to keep, a whole number from 1 up; got 2.5."),
        (
            "prune:1.5",
            "prune:1.5: S is the share of weights to remove and must be between 0 and 1 "
            "(exclusive), e.g. 0.5; got 1.5.",
        ),
        ("prune-ffn:0", "prune-ffn:0: S is the share of weights to remove and must be between 0 and 1"),
        ("distill", "distill needs a number of layers to keep: distill:K, e.g. distill:3."),
        ("prune", "prune needs a sparsity: prune:S, e.g. prune:0.5."),
        ("int8:2", "int8 takes no value; got 'int8:2'. Write int8."),
        (
            "int8+drop-layers:2",
            "int8 must be the last step: nothing can be built on top of it; write drop-layers:2+int8.",
        ),
    ],
)
def test_bad_steps_say_what_is_wrong(text, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        parse_variant_spec(text)


def test_every_problem_is_reported_at_once():
    with pytest.raises(SpecError) as caught:
        parse_variant_spec("bogus+prune:2", epochs=0.0)
    problems = caught.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("Unknown variant 'bogus'")
    assert problems[1].startswith("prune:2: S is the share")
    assert problems[2] == "epochs must be at least 0.05, got 0"


def test_empty_spec_is_refused():
    with pytest.raises(SpecError, match="No variant given"):
        parse_variant_spec("  ")


def test_options_carry_help_and_ranges_for_forms():
    info = VariantSpec.field_info()
    assert "steps" not in info
    assert all(entry["help"] for entry in info.values())
    assert info["epochs"]["min"] == 0.05 and info["layer_choice"]["choices"] == (
        "every-other",
        "first",
        "last",
    )
    with pytest.raises(SpecError, match="layer_choice must be one of every-other, first, last; got 'middle'"):
        parse_variant_spec("drop-layers:2", layer_choice="middle")


def test_registry_lists_every_family_with_a_one_line_description():
    names = {v["name"] for v in list_variants()}
    assert {
        "int8",
        "onnx-int8",
        "drop-layers",
        "distill",
        "prune",
        "prune-ffn",
        "fp16",
        "bf16",
        "merged-lora",
    } <= names
    for entry in list_variants():
        assert entry["description"] and "\n" not in entry["description"]
    assert (
        "no speed" in VARIANTS["prune"].description.lower()
        or "not faster" in VARIANTS["prune"].description.lower()
    )
    assert "fp32" in VARIANTS["fp16"].description and "measured" in VARIANTS["bf16"].description


def test_spec_round_trips_through_json_form():
    spec = parse_variant_spec("drop-layers:2+fp16", compute="half")
    data = spec.to_dict()
    assert data["steps"] == "drop-layers:2+fp16"
    assert parse_variant_spec(data.pop("steps"), **data) == spec
