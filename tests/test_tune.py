"""Hyper-parameter search: each trial a run folder, the best trial's model left in the registry."""

from __future__ import annotations

import json

from toy_data import write_sentiment_csv

from workbench.cli.main import main
from workbench.models.registry import Registry
from workbench.training.runs import list_runs


def test_three_trial_search_publishes_the_best_trial(tiny_bert_dir, tmp_path, capsys):
    csv = write_sentiment_csv(tmp_path)
    code = main(
        [
            "tune",
            str(csv),
            "--model",
            str(tiny_bert_dir),
            "--trials",
            "3",
            "--max-minutes",
            "30",
            "--lr",
            "3e-3",
            "--warmup-ratio",
            "0",
            "--name",
            "toy",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    trials = out["trials"]
    assert [t["trial"] for t in trials] == [0, 1, 2] and all(t["state"] == "completed" for t in trials)
    assert len(list_runs()) == 3  # each trial is a normal run folder
    best = next(t for t in trials if out["best_model_id"] == f"toy-trial{t['trial']}")
    assert best["accuracy"] == max(t["accuracy"] for t in trials)
    assert [r.id for r in Registry().list()] == [out["best_model_id"]]  # the others were removed
    assert Registry().get(out["best_model_id"]).metrics["accuracy"] == best["accuracy"]
