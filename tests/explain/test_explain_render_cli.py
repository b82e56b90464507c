"""HTML heatmap and text summary, and the ``workbench explain`` command."""

from __future__ import annotations

import json

import pytest

from explain.core import explain_texts
from explain.render import render_html, render_report, text_summary
from explain.spec import ExplainSpec
from workbench.cli.main import main

QUICK = ExplainSpec(max_evals=40, use_cache=False)


@pytest.fixture()
def two_results(tiny_classifier):
    return explain_texts(tiny_classifier, ["a fun film", "the <u>worst</u> plot & music"], spec=QUICK)


def test_html_is_standalone_with_a_toggle_per_label_and_hover_values(two_results):
    page = render_report(two_results, title="report")
    assert "http" not in page and "<script" not in page
    assert page.count('type="radio"') == 3  # neg, neu, pos
    assert "<u>" not in page and "&lt;" in page  # user text is escaped
    assert 'title="fun: ' in page  # hover value per token
    fragment = render_html(two_results[0])
    assert fragment.startswith('<div id="wbx-') and "<html" not in fragment


def test_text_summary_names_the_scale_and_the_additive_parts(two_results):
    result = two_results[0]
    view = result.for_label()
    summary = text_summary(result)
    assert summary.splitlines()[1] == (
        f'Explaining "{view.label}" on the logit scale (log-odds of the label\'s probability, '
        f"log(p / (1 - p))): score for {view.label} with every word hidden {view.base_value:+.3f}; "
        f"the words add {view.values.sum():+.3f}; score for this text {view.output:+.3f}."
    )


def test_cli_json_has_the_promised_shape(tiny_classifier, capsys):
    code = main(["explain", tiny_classifier, "the plot was dull but fun", "--json", "--max-evals", "40"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"label", "base_value", "output", "tokens", "values", "scale"} <= set(out)
    assert out["scale"] == "logit" and out["label"] == out["prediction"]
    assert out["tokens"] == ["the", "plot", "was", "dull", "but", "fun"]
    assert out["base_value"] + sum(out["values"]) == pytest.approx(out["output"], abs=1e-6)
    assert set(out["labels"]) == {"neg", "neu", "pos"} - {out["label"]}


def test_cli_explains_a_file_with_progress_and_an_html_report(tiny_classifier, tmp_path, capsys):
    data = tmp_path / "texts.csv"
    data.write_text("review,gold\nfun film,pos\nboring plot,neg\ngreat music,pos\n", encoding="utf-8")
    report = tmp_path / "report.html"
    code = main(
        [
            "explain",
            tiny_classifier,
            "--data",
            str(data),
            "--text-col",
            "review",
            "--limit",
            "2",
            "--html",
            str(report),
            "--max-evals",
            "20",
            "--label-col",
            "gold",
            "--cohort",
            "correct",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert "explaining" in captured.err  # tqdm bar on stderr
    assert "top words per label over" in captured.out and f"wrote {report}" in captured.out
    page = report.read_text(encoding="utf-8")
    assert "boring" in page and "http" not in page


def test_cli_user_mistakes_exit_2_with_one_clear_line(tiny_classifier, tmp_path, capsys):
    assert main(["explain", tiny_classifier]) == 2
    assert capsys.readouterr().err.startswith(
        'error: Give either one text (workbench explain MODEL "some text")'
    )
    data = tmp_path / "t.csv"
    data.write_text("text\nhello\n", encoding="utf-8")
    assert main(["explain", tiny_classifier, "--data", str(data), "--text-col", "body"]) == 2
    assert "error: Column(s) 'body' not found in" in capsys.readouterr().err
    assert main(["explain", tiny_classifier, "hi", "--max-evals", "5"]) == 2
    assert capsys.readouterr().err.strip() == ("error: max_evals must be at least 10, got 5")


def _reject_non_json(constant: str) -> None:
    raise AssertionError(f"invalid JSON constant {constant} in the output")


def test_cli_file_json_is_strict_json_with_null_for_a_check_over_no_texts(tiny_classifier, tmp_path, capsys):
    data = tmp_path / "texts.csv"
    data.write_text("text\nfun film\nboring plot\n", encoding="utf-8")
    args = ["explain", tiny_classifier, "--data", str(data), "--json", "--max-evals", "20"]
    assert main([*args, "--faithfulness-k", "0"]) == 0  # no deletion check: the summary has no numbers
    out = json.loads(capsys.readouterr().out, parse_constant=_reject_non_json)
    assert out["faithfulness"] == {
        "texts": 0, "k": 0, "mean_top_drop": None, "mean_random_drop": None,
        "share_better_than_random": None, "score": None,
    }  # fmt: skip
    assert len(out["explanations"]) == 2 and out["cohort_examples"] == 2


@pytest.mark.parametrize("variant", ["fp16", "bf16"])
def test_cli_explains_a_half_precision_variant(tiny_classifier, variant, capsys):
    from workbench.variants import build_variant
    from workbench.variants.spec import parse_variant_spec

    model_id = build_variant(tiny_classifier, parse_variant_spec(variant, compute="half")).id
    code = main(["explain", model_id, "the plot was dull but fun", "--json", "--max-evals", "40"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out.strip().splitlines()[-1])
    assert out["tokens"] == ["the", "plot", "was", "dull", "but", "fun"]
    assert out["base_value"] + sum(out["values"]) == pytest.approx(out["output"], abs=1e-3)
