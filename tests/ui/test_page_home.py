"""Home: the flow, recent models, and the one-click sample set-up."""

from __future__ import annotations

from ui_helpers import open_page, sidebar_text, texts


def test_home_shows_flow_and_no_models_yet():
    at = open_page("pages/home.py")
    assert texts(at.title) == ["LLM Onboarding Workbench"]
    assert "No models yet." in " ".join(texts(at.info))
    assert "none yet: choose one on **Data**" in sidebar_text(at)


def test_try_sample_data_sets_dataset_base_model_and_opens_train():
    at = open_page("pages/home.py")
    at.button(key="home.sample").click().run()
    assert texts(at.title) == ["Train"]
    dataset = at.session_state["dataset"]
    assert dataset.path.endswith("assets/sample/support_train.csv")
    assert dataset.eval_path.endswith("assets/sample/support_test.csv")
    assert (dataset.columns.text, dataset.columns.label) == ("text", "intent")
    assert at.session_state["base_model"] == "default"
    assert "sample support messages (intent)" in sidebar_text(at)


def test_sidebar_shows_active_model_and_dataset_on_every_page(toy_model_id, sample_dataset):
    at = open_page("pages/safety.py", dataset=sample_dataset, active_model=toy_model_id)
    sidebar = sidebar_text(at)
    assert f"`{toy_model_id}` · fine-tuned" in sidebar
    assert "sample support messages (intent)" in sidebar
    assert "`text` → `intent`" in sidebar


def test_recent_models_lists_workspace_models(toy_model_id):
    at = open_page("pages/home.py")
    table = at.dataframe[0].value
    assert table["model"].tolist() == [toy_model_id]
    assert {"kind", "task", "Accuracy"} <= set(table.columns)


def test_a_new_session_starts_with_the_newest_model(toy_model_id):
    at = open_page("pages/home.py")
    assert at.session_state["active_model"] == toy_model_id
    assert f"`{toy_model_id}` · fine-tuned" in sidebar_text(at)


def test_first_page_does_not_import_model_libraries():
    """Cold start: the Home page of a fresh workspace renders without torch, transformers or shap, and
    without pandas, numpy, pyarrow or altair (lazy imports; together about a second of start-up)."""
    import subprocess
    import sys

    from ui_helpers import APP, ROOT

    heavy = ("torch", "transformers", "shap", "peft", "pandas", "numpy", "pyarrow", "altair")
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert [t.value for t in at.title] == ['LLM Onboarding Workbench']\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
