"""The Train, Data and Compare pages with a seq2seq (translation) dataset or model: source/target
columns, the methods that apply (head-only named with its reason), validation by generation, the
parallel-data check, and chrF/BLEU in the comparison instead of accuracy."""

from __future__ import annotations

import json

from seq2seq_data import write_parallel_csv
from ui_helpers import open_page, texts

from workbench.data import ColumnMap
from workbench.ui.session import DatasetChoice


class _Run:
    id = "run-1"


def _pairs_dataset(folder) -> DatasetChoice:
    path = write_parallel_csv(folder)
    return DatasetChoice(
        path=str(path), name="en-de pairs", columns=ColumnMap(text="source", label="target"), task="seq2seq"
    )


def test_train_form_offers_seq2seq_with_its_methods_columns_and_validation(tmp_path, tiny_base, monkeypatch):
    from workbench.training import runs

    started = []
    monkeypatch.setattr(runs, "start_run", lambda spec, owner=None: started.append(spec) or _Run())
    at = open_page("pages/train.py", dataset=_pairs_dataset(tmp_path))
    assert any("source `source` → target `target` (seq2seq)" in m for m in texts(at.markdown))
    assert at.selectbox(key="train.method").options == ["full", "lora"]
    captions = texts(at.caption)
    assert (
        "Not offered for this task: `head`. Head-only training does not apply to seq2seq models"
        in " ".join(captions)
    )
    assert any(
        c.startswith("Each validation translates at most 64 validation pairs greedily") for c in captions
    )
    assert at.selectbox(key="train.source_col").value == "source"
    assert at.selectbox(key="train.target_col").value == "target"
    assert at.number_input(key="train.evals_per_epoch")  # validation settings, outside the advanced list
    at.selectbox(key="train.source_col").set_value("target")
    at.selectbox(key="train.target_col").set_value("source")
    at.number_input(key="train.evals_per_epoch").set_value(2)
    submit = next(b for b in at.button if b.label == "Start training")
    submit.click().run()
    assert len(started) == 1
    spec = started[0]
    assert (spec.task, spec.text_col, spec.label_col, spec.evals_per_epoch) == (
        "seq2seq",
        "target",
        "source",
        2,
    )


def test_classification_keeps_every_method(tmp_path, tiny_base):
    from toy_data import write_sentiment_csv

    path = write_sentiment_csv(tmp_path)
    chosen = DatasetChoice(path=str(path), name="toy", columns=ColumnMap(text="text", label="label"))
    at = open_page("pages/train.py", dataset=chosen)
    assert at.selectbox(key="train.method").options == ["full", "lora", "adalora", "ia3", "head"]
    assert "train.source_col" not in {w.key for w in at.selectbox}


PAIRS_CSV = (
    "source,target\n"
    + "".join(f"sentence {i} about the cat,satz {i} über die katze\n" for i in range(30))
    + "sentence 3 about the cat,satz 3 über die katze\n"  # an exact duplicate of row 5
    + "the same text,the same text\n"  # a source copied as its target
    + "  ,leer\n"  # an empty source
).encode()


def test_data_page_reads_a_parallel_file_as_seq2seq_and_shows_the_pair_check(tmp_path):
    at = open_page("pages/data.py")
    at.radio(key="data.source").set_value("Upload a file").run()
    at.file_uploader(key="data.upload").set_value(("pairs.csv", PAIRS_CSV, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="data.task").value == "seq2seq"  # detected from the column names
    assert (at.selectbox(key="data.text_col").label, at.selectbox(key="data.text_col").value) == (
        "Source column",
        "source",
    )
    assert at.selectbox(key="data.label_col").label == "Target column"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Task"] == "seq2seq" and metrics["Pairs"] == "32"
    assert any(c.startswith("Parallel-data check:") for c in texts(at.caption))
    shown = " ".join(texts(at.warning) + texts(at.error))
    assert (
        "1 exact duplicate pair (row numbers as in a spreadsheet: header = row 1): row 32 repeats 5" in shown
    )
    assert "1 pair where the target is a copy of the source: row 33" in shown
    assert "Dropped 1 pair with an empty or whitespace-only source: row 34" in shown
    at.button(key="data.use").click().run()
    chosen = at.session_state["dataset"]
    assert (chosen.task, chosen.columns.text, chosen.columns.label) == ("seq2seq", "source", "target")


def _publish(record):
    from workbench.models.registry import Registry

    registry = Registry()
    return registry.publish(registry.staging_dir(), record)


def test_compare_shows_chrf_and_bleu_for_a_seq2seq_model_not_accuracy():
    from workbench.models.registry import ModelRecord, Registry

    base = _publish(ModelRecord(id="en-de", name="en-de", task="seq2seq", labels=[], base_model="marian"))
    variant = _publish(
        ModelRecord(
            id="en-de-int8", name="en-de-int8", task="seq2seq", labels=[], base_model="marian",
            kind="variant", parent=base.id, recipe={"chain": ["int8"]},
        )
    )  # fmt: skip
    row = {"variant": "original", "size_mb": 300.0, "latency_ms_p50": 80.0, "throughput_rps": 9.0, "speedup": 1.0,
           "metric": "chrf", "metric_value": 61.2, "metric_delta": 0.0, "agreement": None, "compute": "float32",
           "bleu": 34.5}  # fmt: skip
    rows = [
        {**row, "model_id": base.id},
        {**row, "model_id": variant.id, "variant": "int8", "size_mb": 80.0, "throughput_rps": 20.0,
         "speedup": 2.2, "metric_value": 60.1, "metric_delta": -1.1, "compute": "qint8", "bleu": 33.0},
    ]  # fmt: skip
    base.extra["comparison"] = {"reference": base.id, "table": rows, "measured_at": 0}
    Registry().update(base)
    at = open_page("pages/compare.py", active_model=base.id)
    table = at.dataframe[1].value  # after the catalogue of variants
    assert list(table.columns) == ["model_id", "variant", "size_mb", "latency_ms_p50", "throughput_rps",
                                   "speedup", "metric_value", "metric_delta", "bleu", "compute"]  # fmt: skip
    assert table["bleu"].tolist() == [34.5, 33.0]
    headers = {
        name: c["label"] for name, c in json.loads(at.dataframe[1].proto.columns).items() if "label" in c
    }
    assert (headers["metric_value"], headers["metric_delta"], headers["bleu"]) == ("chrF", "Δ chrF", "BLEU")
