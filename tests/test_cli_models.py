"""The CLI journey of the foundation issue: train → evaluate → predict → models."""

from __future__ import annotations

import json

import pandas as pd
from toy_data import sentiment_frame, write_sentiment_csv

from workbench.cli.main import main


def test_train_evaluate_predict_models_journey(tiny_bert_dir, tmp_path, capsys):
    train_csv = write_sentiment_csv(tmp_path, n=160, name="train.csv")
    dev_csv = write_sentiment_csv(tmp_path, n=40, seed=7, name="dev.csv")
    code = main(
        [
            "train",
            str(train_csv),
            "--eval-data",
            str(dev_csv),
            "--model",
            str(tiny_bert_dir),
            "--epochs",
            "8",
            "--batch-size",
            "16",
            "--lr",
            "0.003",
            "--name",
            "reviews-v1",
            "--json",
        ]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    trained = json.loads(out[-1])
    assert trained["model_id"] == "reviews-v1"
    assert trained["metrics"]["accuracy"] >= 0.9

    assert main(["evaluate", "reviews-v1", str(dev_csv), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert evaluated["metrics"] == trained["metrics"]

    new = tmp_path / "new.csv"
    frame = sentiment_frame(10, seed=3).drop(columns=["label"])
    frame.loc[0, "text"] = '=HYPERLINK("http://x") great'
    frame.to_csv(new, index=False)
    assert main(["predict", "reviews-v1", str(new), "-o", str(tmp_path / "scored.csv")]) == 0
    scored = pd.read_csv(tmp_path / "scored.csv", keep_default_na=False)
    assert list(scored.columns) == [
        "text",
        "pred_label",
        "pred_score",
        "prob_neg",
        "prob_pos",
        "safety_hits",
        "safety_details",
        "blocked",
        "block_reason",
        "needs_review",
    ]
    assert scored["text"][0].startswith("'=")  # formula-safe export
    assert set(scored["pred_label"]) <= {"neg", "pos"}

    capsys.readouterr()
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["id"] for m in listed] == ["reviews-v1"]
    assert main(["models", "rm", "reviews-v1"]) == 0
    assert main(["models", "show", "reviews-v1"]) == 2
    assert "No model 'reviews-v1' in the workspace" in capsys.readouterr().err


def test_user_mistakes_exit_2_with_one_clear_line(tiny_bert_dir, tmp_path, capsys):
    train_csv = write_sentiment_csv(tmp_path)
    assert main(["train", str(train_csv), "--model", str(tiny_bert_dir), "--label-col", "sentiment"]) == 2
    err = capsys.readouterr().err
    assert "sentiment" in err and "Traceback" not in err
    assert main(["train", str(train_csv), "--model", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["train", str(train_csv), "--epochs", "-3"]) == 2
    assert "epochs must be at least 0.05, got -3.0" in capsys.readouterr().err


def test_pickled_weights_are_refused_without_opt_in(tmp_path, tiny_bert_dir, capsys):
    import shutil

    folder = tmp_path / "pickled"
    shutil.copytree(tiny_bert_dir, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not really a pickle")
    train_csv = write_sentiment_csv(tmp_path)
    assert main(["train", str(train_csv), "--model", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "only pickled weights (pytorch_model.bin)" in err
    assert "--allow-pickle" in err


def test_evaluate_a_regression_model_on_a_small_file(tiny_bert_dir, tmp_path, capsys):
    from workbench.training.spec import TrainSpec
    from workbench.training.trainer import train

    frame = sentiment_frame(60)
    frame["score"] = [0.9 if label == "pos" else 0.1 for label in frame["label"]]
    frame.to_csv(tmp_path / "train.csv", index=False)
    spec = TrainSpec(train_data=str(tmp_path / "train.csv"), label_col="score", base_model=str(tiny_bert_dir))
    model_id = train(TrainSpec(**{**spec.to_dict(), "epochs": 0.5, "name": "scores"})).model_id
    frame.head(5).to_csv(tmp_path / "five.csv", index=False)  # an eval file is never split: 5 rows do
    assert main(["evaluate", model_id, str(tmp_path / "five.csv"), "--label-col", "score", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert {"mse", "mae", "r2", "pearson", "spearman"} <= set(metrics)
