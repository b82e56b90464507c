"""Data page with a token-level (NER) file: sentences previewed with entities highlighted, no column
mapping, the entity report, and the dataset set for token classification."""

from __future__ import annotations

from ui_helpers import open_page, texts

from workbench.ui.highlight import highlight_entities

CONLL = "".join(
    f"{name}\tB-person\nwent\tO\nto\tO\n{place}\tB-location\n\t\n"
    for name, place in [("Ada", "Paris"), ("Bob", "Rome"), ("Cy", "Oslo"), ("Di", "Bern")] * 10
).encode()


def test_entities_are_highlighted_on_escaped_text():
    html = highlight_entities("<b>Ada</b> in Paris", [{"start": 3, "end": 6, "label": "person"}])
    assert html.startswith("<div class='wb-text'")
    assert (
        "&lt;b&gt;<mark" in html
        and ">Ada <small" in html
        and "person</small></mark>&lt;/b&gt; in Paris" in html
    )


def test_conll_upload_previews_entities_and_sets_a_token_dataset():
    at = open_page("pages/data.py")
    at.radio(key="data.source").set_value("Upload a file").run()
    at.file_uploader(key="data.upload").set_value(("people.conll", CONLL, "text/plain")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Token-level file (conll): 40 sentences" in c for c in texts(at.caption))
    assert not at.selectbox  # nothing to map
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows read": "40", "Usable rows": "40", "Task": "token-classification", "Labels": "2"}
    at.button(key="data.use").click().run()
    assert at.session_state["dataset"].task == "token-classification"
