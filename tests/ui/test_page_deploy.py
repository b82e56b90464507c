"""Deploy page: map a name to a version, roll back, keys listed without their secrets."""

from __future__ import annotations

from ui_helpers import open_page, texts

from workbench.serve.deployments import DeploymentStore
from workbench.serve.keys import KeyStore


def test_deploy_then_roll_back_from_the_page(toy_model_id, tmp_path):
    import shutil

    from workbench.models.registry import Registry

    registry = Registry()
    shutil.copytree(registry.path(toy_model_id), registry.root / "toy-v2")
    record = registry.path("toy-v2") / "workbench.json"
    record.write_text(record.read_text().replace(f'"id": "{toy_model_id}"', '"id": "toy-v2"'))

    at = open_page("pages/deploy.py")
    assert "Nothing deployed yet." in " ".join(texts(at.caption))
    at.text_input(key="deploy.name").input("support")
    at.selectbox(key="deploy.model").select(toy_model_id)
    at.button[0].click().run()  # the form's submit button
    assert DeploymentStore().get("support").version == toy_model_id
    at.selectbox(key="deploy.model").select("toy-v2")
    at.button[-1].click().run()
    assert DeploymentStore().get("support").version == "toy-v2"
    assert at.dataframe[0].value["version"].tolist() == ["toy-v2"]
    at.button(key="deploy.rollback.support").click().run()
    assert not at.exception
    assert DeploymentStore().get("support").version == toy_model_id
    assert any("rolled back" in t for t in texts(at.success))


def test_keys_are_listed_without_secrets():
    _, secret = KeyStore().add("analytics", scopes="predict,explain", rate="20/s")
    at = open_page("pages/deploy.py")
    table = at.dataframe[0].value
    assert table["name"].tolist() == ["analytics"] and table["scopes"].tolist() == ["predict, explain"]
    assert table["rate"].tolist() == ["20/second"]
    shown = " ".join(str(v) for v in table.to_numpy().ravel())
    assert secret not in shown and secret[:10] in shown
