"""Monitoring page: traffic, drift table with thresholds, alert rows, canary comparison with promote."""

from __future__ import annotations

from ui_helpers import open_page, texts

from workbench.serve.deployments import DeploymentStore


def make_client():
    from fastapi.testclient import TestClient

    from workbench.serve.app import create_app
    from workbench.serve.settings import ServeSettings

    return TestClient(create_app(ServeSettings(demo=False)))


NEW_WORDS = "refund invoice chargeback shipping password account login delivery"


def test_page_shows_alerts_drift_and_promotes_a_canary(toy_model_id):
    import shutil

    from workbench.models.registry import Registry

    registry = Registry()
    shutil.copytree(registry.path(toy_model_id), registry.root / "toy-v2")
    record = registry.path("toy-v2") / "workbench.json"
    record.write_text(record.read_text().replace(f'"id": "{toy_model_id}"', '"id": "toy-v2"'))
    store = DeploymentStore()
    store.deploy("support", toy_model_id, by="test")
    store.start_rollout("support", "toy-v2", canary=10, by="test")
    with make_client() as client:
        for i in range(60):
            client.post("/v1/models/support/predict", json={"texts": [f"awful {NEW_WORDS} {i}"]})
        client.app.state.serve.mirror.drain()
        client.app.state.serve.log.flush()

    at = open_page("pages/monitor.py")
    assert not at.exception
    assert any("alert(s) on support" in t for t in texts(at.error))
    frames = {f"{list(df.value.columns)[:2]}": df.value for df in at.dataframe}
    alerts = frames["['kind', 'check']"]
    assert "unseen-vocabulary words" in alerts["check"].tolist()
    drift = frames["['check', 'statistic']"]
    assert {"threshold", "drifted"} <= set(drift.columns) and "yes" in drift["drifted"].tolist()
    versions = frames["['version', 'role']"]
    assert versions["role"].tolist() == ["current", "candidate"] and versions["answered"].sum() == 60
    at.button(key="monitor.promote").click().run()
    assert not at.exception
    assert DeploymentStore().get("support").version == "toy-v2"
    assert any("promoted" in t for t in texts(at.success))


def test_page_says_what_to_do_when_nothing_is_deployed():
    at = open_page("pages/monitor.py")
    assert any("Nothing deployed yet" in t for t in texts(at.info))
