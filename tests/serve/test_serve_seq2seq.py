"""A translation model behind the gateway: the REST route returns each translation with the safety hits
of source and output, personal data never reaches the model, the request log or the review queue, and
the Gradio demo shows a translation box."""

from __future__ import annotations

import sqlite3

import pytest
from serve_helpers import RunningServer, make_client

from workbench.serve.deployments import DeploymentStore
from workbench.serve.requestlog import log_path
from workbench.serve.schemas import VERSION_HEADER

EMAIL = "jane.doe@example.com"
SOURCE = f"the cat {EMAIL} sleeps at home"


@pytest.fixture()
def translator(copy_model_id) -> str:
    DeploymentStore().deploy("mt", copy_model_id, by="test")
    return copy_model_id


@pytest.fixture()
def client(translator):
    with make_client() as test_client:
        yield test_client


def test_predict_returns_the_translation_with_the_hits_of_both_sides(client, translator, isolated_workspace):
    rules = isolated_workspace / "safety" / "rules.yaml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {id: out.terms, detector: generated_terms, terms: [sleeps], action: review, category: output}\n"
    )
    response = client.post("/v1/models/mt/predict", json={"texts": [SOURCE, "  "]})
    assert response.status_code == 200, response.text
    assert response.headers[VERSION_HEADER] == translator
    body = response.json()
    assert body["task"] == "seq2seq" and body["version"] == translator
    done, blocked = body["predictions"]
    assert done["label"] == SOURCE and done["needs_review"] is True
    assert done["extra"] == {"masked_output": "the cat [EMAIL] sleeps at home"}
    hits = {(h["rule"], h["field"], h["start"], h["end"]) for h in done["safety_hits"]}
    assert hits == {("pii.email", "text", 8, 28), ("out.terms", "output", 29, 35)}
    assert blocked["label"] is None and blocked["block_reason"].startswith("blocked by rule input.empty")

    client.app.state.serve.log.flush()
    path = log_path(isolated_workspace)
    assert EMAIL.encode() not in b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with sqlite3.connect(path) as conn:
        labels = [row[0] for row in conn.execute("SELECT label FROM requests ORDER BY id")]
    assert labels[0] == "the cat [EMAIL] sleeps at home"


def test_explain_route_explains_the_masked_source(client):
    response = client.post("/v1/models/mt/explain", json={"texts": [SOURCE]})
    assert response.status_code == 200, response.text
    [explained] = response.json()["explanations"]
    assert [t.strip() for t in explained["tokens"]] == ["the", "cat", "[", "1", "]", "sleeps", "at", "home"]
    assert explained["prediction"] == "the cat [ 1 ] sleeps at home"  # the model's own output
    assert EMAIL not in response.text


def test_pairs_are_refused(client, translator):
    response = client.post("/v1/models/mt/predict", json={"texts": ["a"], "pairs": ["b"]})
    assert response.status_code == 422
    assert response.json()["detail"] == f"Model {translator!r} takes single texts: leave 'pairs' out."


def test_demo_shows_a_translation_box(translator):
    from gradio_client import Client

    from workbench.serve.app import create_app
    from workbench.serve.settings import ServeSettings

    with RunningServer(create_app(ServeSettings())) as server:
        client = Client(f"{server.url}/demo/", verbose=False)
        translation, hits, version, _heat = client.predict(SOURCE, api_name="/predict_mt")
        assert translation == SOURCE and "pii.email" in hits and EMAIL not in hits and translator in version
        message = client.predict(api_name="/flag_mt")
    assert message.startswith("Flagged: item 1 of review queue")

    from workbench.review.service import get_queue_items

    items = get_queue_items(f"{translator}-flagged")
    assert items["suggested_label"].tolist() == ["the cat [EMAIL] sleeps at home"]
