"""Models: load a base model, browse the registry (lineage, metrics, card), activate, delete, compare."""

from __future__ import annotations

import shutil

from ui_helpers import open_page, texts

from workbench.models.registry import Registry


def test_registry_shows_lineage_metrics_and_card(toy_model_id, tiny_bert_dir):
    at = open_page("pages/models.py")
    assert at.dataframe[0].value["model"].tolist() == [toy_model_id]
    markdown = " ".join(texts(at.markdown))
    assert f"`{tiny_bert_dir}` (base) → `{toy_model_id}` (fine-tuned)" in markdown
    assert "# toy" in markdown  # the model card
    assert {m.label for m in at.metric} >= {"Accuracy", "Macro F1"}


def test_make_active_then_delete_with_confirmation(toy_model_id):
    at = open_page("pages/models.py", active_model=None)
    at.button(key=f"models.activate.{toy_model_id}").click().run()
    assert at.session_state["active_model"] == toy_model_id
    assert at.button(key=f"models.delete.{toy_model_id}").disabled
    at.checkbox(key=f"models.confirm.{toy_model_id}").check().run()
    at.button(key=f"models.delete.{toy_model_id}").click().run()
    assert not Registry().exists(toy_model_id)
    assert at.session_state["active_model"] is None
    assert f"Deleted {toy_model_id}." in texts(at.success)
    assert "No models in the workspace yet." in " ".join(texts(at.info))


def test_load_base_model_validates_and_sets_it(tiny_base):
    at = open_page("pages/models.py")
    at.radio(key="models.base_source").set_value(f"Preset: {tiny_base}").run()
    at.button(key="models.load_base").click().run()
    assert at.session_state["base_model"] == tiny_base
    assert f"`{tiny_base}` loads" in " ".join(texts(at.success))


def test_load_missing_folder_says_what_to_do(tmp_path):
    at = open_page("pages/models.py")
    at.radio(key="models.base_source").set_value("Local folder").run()
    at.text_input(key="models.base_name").input(str(tmp_path / "nope")).run()
    at.button(key="models.load_base").click().run()
    assert texts(at.error) == [f"Model folder {str(tmp_path / 'nope')!r} does not exist. Check the path."]
    assert at.session_state["base_model"] is None


def test_compare_two_fine_tuned_models_shows_differing_settings(toy_model_id):
    registry = Registry()
    shutil.copytree(registry.path(toy_model_id), registry.path("toy-b"))
    record = registry.get("toy-b")
    record.id, record.name = "toy-b", "toy-b"
    record.spec = {**record.spec, "learning_rate": 0.01}
    record.metrics = {**record.metrics, "accuracy": 0.5}
    registry.update(record)
    at = open_page("pages/models.py")
    frames = [df.value for df in at.dataframe]
    differ = next(f for f in frames if "learning_rate" in f.index)
    assert differ.loc["learning_rate", "toy-b"] == "0.01"
    metrics = next(f for f in frames if "accuracy" in f.index)
    assert metrics.loc["accuracy", "toy-b"] == 0.5
    assert "No training curves" in " ".join(texts(at.caption))


def test_compare_runs_overlays_the_training_curves(tiny_bert_dir, tmp_path):
    from toy_data import write_sentiment_csv
    from ui_helpers import chart_frames

    from workbench.training import runs
    from workbench.training.spec import TrainSpec

    data = write_sentiment_csv(tmp_path, n=60)
    for name, rate in (("slow", 1e-3), ("fast", 3e-3)):
        spec = TrainSpec(
            train_data=str(data),
            base_model=str(tiny_bert_dir),
            name=name,
            epochs=1.0,
            batch_size=8,
            learning_rate=rate,
            evals_per_epoch=2,
        )
        assert runs.run_in_process(spec).status()["state"] == "completed"
    at = open_page("pages/models.py")
    differ = next(df.value for df in at.dataframe if "learning_rate" in df.value.index)
    assert differ.loc["learning_rate"].tolist() == ["0.003", "0.001"]  # newest first
    curves = [f for f in chart_frames(at) if {"run", "series"} <= set(f.columns)]
    assert curves and set(curves[0]["run"]) == {"fast", "slow"}  # one line per run, overlaid


def test_opens_on_the_workspace_models_and_shows_calibration(toy_model_id):
    at = open_page("pages/models.py")
    assert [t.label for t in at.tabs][:3] == ["Workspace models", "Base model", "Compare runs"]
    calibration = Registry().get(toy_model_id).extra["calibration"]
    metrics = {m.label: m for m in at.metric}
    assert metrics["Temperature"].value == f"{calibration['temperature']:.3g}"
    ece = metrics["Calibration error (ECE)"]
    before, after = calibration["before"]["ece"], calibration["after"]["ece"]
    assert ece.value == f"{after:.3f}"
    assert ece.proto.delta == f"{after - before:+.3f} from {before:.3f}"
    assert len(at.get("image")) == 1  # the reliability diagram
    assert "Points on the dotted diagonal" in " ".join(texts(at.caption))


def test_a_variant_names_its_parent_in_the_table(toy_model_id):
    from workbench.variants import build_variant

    variant = build_variant(toy_model_id, "int8")
    at = open_page("pages/models.py")
    table = at.dataframe[0].value.set_index("model")
    assert table.loc[variant.id, "parent"] == toy_model_id
    assert table.loc[toy_model_id, "parent"] == ""
