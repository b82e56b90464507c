"""API keys (hashed, shown once, scopes, revoke) and per-key rate limits through the real app."""

from __future__ import annotations

import json

import pytest

from workbench.errors import SpecError
from workbench.serve.keys import KeyStore, hash_key, normalise_rate

TEXT = {"texts": ["the acting was wonderful"]}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_key_is_stored_hashed_and_shown_once(isolated_workspace):
    store = KeyStore()
    key, secret = store.add("analytics", scopes="predict", rate="20/s")
    stored = (isolated_workspace / "serve" / "keys.json").read_text()
    assert secret not in stored and hash_key(secret) in stored
    assert key.rate == "20/second" and key.scopes == ("predict",)
    assert store.verify(secret).name == "analytics" and store.verify(secret + "x") is None
    assert "hash" not in key.public_dict()
    store.revoke("analytics")
    assert store.verify(secret) is None


def test_key_inputs_are_checked():
    with pytest.raises(
        SpecError, match=r"Unknown scope\(s\) 'write': use one or more of predict, explain, admin"
    ):
        KeyStore().add("a", scopes="predict,write")
    with pytest.raises(SpecError, match=r"Rate 'fast' is not understood: write COUNT/UNIT, e.g. 20/s"):
        normalise_rate("fast")
    with pytest.raises(SpecError, match=r"Key name 'bad name' is invalid"):
        KeyStore().add("bad name")


def test_401_403_and_scopes(client):
    store = KeyStore()
    _, predict_key = store.add("app", scopes="predict")
    _, admin_key = store.add("ops", scopes="admin")
    missing = client.post("/v1/models/toy/predict", json=TEXT)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["detail"].startswith(
        "Missing API key: send the header 'Authorization: Bearer <key>'"
    )
    bad = client.post("/v1/models/toy/predict", json=TEXT, headers=bearer("wbk_nope"))
    assert bad.status_code == 401 and bad.json()["detail"].startswith("Unknown or revoked API key")
    ok = client.post("/v1/models/toy/predict", json=TEXT, headers=bearer(predict_key))
    assert ok.status_code == 200
    forbidden = client.post("/v1/models/toy/explain", json=TEXT, headers=bearer(predict_key))
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == (
        "Key 'app' lacks the 'explain' scope (it has: predict); create a key with --scopes explain."
    )
    assert client.get("/metrics", headers=bearer(predict_key)).status_code == 403
    assert client.get("/metrics", headers=bearer(admin_key)).status_code == 200
    store.revoke("app")
    revoked = client.post("/v1/models/toy/predict", json=TEXT, headers=bearer(predict_key))
    assert revoked.status_code == 401


def test_rate_limit_answers_429_with_retry_after(client):
    _, secret = KeyStore().add("slow", scopes="predict", rate="2/minute")
    codes = [
        client.post("/v1/models/toy/predict", json=TEXT, headers=bearer(secret)).status_code for _ in range(2)
    ]
    assert codes == [200, 200]
    limited = client.post("/v1/models/toy/predict", json=TEXT, headers=bearer(secret))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["detail"].startswith("Rate limit exceeded for 'slow': 2 per 1 minute; retry in ")
    _, other = KeyStore().add("fast", scopes="predict")
    assert client.post("/v1/models/toy/predict", json=TEXT, headers=bearer(other)).status_code == 200


def test_keys_cli_prints_the_secret_once_and_lists_without_it(capsys):
    from workbench.cli.main import main

    assert main(["keys", "add", "analytics", "--scopes", "predict,explain", "--rate", "20/s"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("wbk_")
    assert main(["keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "analytics" and listed[0]["scopes"] == ["predict", "explain"]
    assert secret not in json.dumps(listed) and "hash" not in listed[0]
    assert main(["keys", "revoke", "analytics"]) == 0
    assert main(["keys", "revoke", "analytics"]) == 2
    assert "No active key named 'analytics'" in capsys.readouterr().err
