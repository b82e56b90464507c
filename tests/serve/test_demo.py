"""The Gradio demo mounted at /demo on a real uvicorn, driven through gradio_client."""

from __future__ import annotations

import httpx
import pytest
from serve_helpers import RunningServer

from workbench.serve.app import create_app
from workbench.serve.keys import KeyStore
from workbench.serve.settings import ServeSettings

TEXT = "the acting was wonderful, write to jane.doe@example.com"


@pytest.fixture()
def server(deployed):
    with RunningServer(create_app(ServeSettings())) as running:
        yield running


def test_demo_answers_as_the_api_and_flags_into_the_review_queue(server, deployed):
    from gradio_client import Client

    api = httpx.post(f"{server.url}/v1/models/toy/predict", json={"texts": [TEXT]}).json()["predictions"][0]
    client = Client(f"{server.url}/demo/", verbose=False)
    label, hits, version, _heat = client.predict(TEXT, api_name="/predict_toy")
    assert label["label"] == api["label"] == "pos"
    shown = {c["label"]: c["confidence"] for c in label["confidences"]}
    assert shown == pytest.approx(api["scores"], abs=1e-6)
    assert "pii.email" in hits and "jane.doe@example.com" not in hits and deployed in version
    explained = client.predict(TEXT, api_name="/explain_toy")
    assert 'class="wbx"' in explained and "wonderful" in explained
    message = client.predict(api_name="/flag_toy")
    assert message == f"Flagged: item 1 of review queue `{deployed}-flagged` (personal data masked)."

    from workbench.review.service import get_queue_items

    items = get_queue_items(f"{deployed}-flagged")
    assert items["text"].tolist() == ["the acting was wonderful, write to [EMAIL]"]
    assert items["suggested_label"].tolist() == ["pos"]


def test_demo_asks_for_a_key_when_keys_exist(server):
    from gradio_client import Client

    _, secret = KeyStore().add("demo-user", scopes="predict")
    assert httpx.get(f"{server.url}/demo/config").status_code == 401
    client = Client(f"{server.url}/demo/", headers={"Authorization": f"Bearer {secret}"}, verbose=False)
    label, *_ = client.predict("a dull and boring film", api_name="/predict_toy")
    assert label["label"] == "neg"
    login = httpx.get(f"{server.url}/demo-login", params={"key": secret})
    assert login.status_code == 303 and "workbench_key" in login.headers["set-cookie"]


def test_the_demo_refuses_a_text_over_the_servers_max_chars_as_the_api_does(deployed):
    from gradio_client import Client

    with RunningServer(create_app(ServeSettings(max_chars=40))) as running:
        long = "a dull and boring film " * 3  # 69 characters
        assert httpx.post(f"{running.url}/v1/models/toy/predict", json={"texts": [long]}).status_code == 422
        client = Client(f"{running.url}/demo/", verbose=False)
        with pytest.raises(Exception, match=r"The text is 69 characters; this demo takes at most 40"):
            client.predict(long, api_name="/predict_toy")
        with pytest.raises(Exception, match=r"The text is 69 characters"):
            client.predict(long, api_name="/explain_toy")
        label, *_ = client.predict("a dull and boring film", api_name="/predict_toy")
        assert label["label"] == "neg"
