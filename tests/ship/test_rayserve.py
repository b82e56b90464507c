"""``workbench serve --ray``: the gateway on a local Ray Serve with 2 replicas; one rate limit for all."""

from __future__ import annotations

import pytest
from ship_helpers import free_port

from workbench.errors import SpecError
from workbench.serve.rayserve import RaySpec, ray_available, ray_settings
from workbench.serve.settings import ServeSettings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ray's own pydantic v1-style fields
needs_ray = pytest.mark.skipif(
    not ray_available(),
    reason='ray[serve] is not installed (pip install -e ".[ray]"): Ray Serve tests skipped',
)


def test_ray_spec_fixed_replicas_or_autoscaling_and_its_messages():
    assert RaySpec(replicas=2).deployment_options() == {
        "ray_actor_options": {"num_cpus": 1.0},
        "max_ongoing_requests": 64,
        "num_replicas": 2,
    }
    auto = RaySpec(replicas=1, max_replicas=4, target_ongoing_requests=5).deployment_options()
    assert auto["autoscaling_config"] == {"min_replicas": 1, "max_replicas": 4, "target_ongoing_requests": 5}
    assert "num_replicas" not in auto
    with pytest.raises(SpecError, match=r"--max-replicas \(1\) must be at least --replicas \(2\)"):
        RaySpec(replicas=2, max_replicas=1)
    with pytest.raises(SpecError, match=r"--replicas must be at least 1, got 0"):
        RaySpec(replicas=0)
    with pytest.raises(
        SpecError, match=r"--target-ongoing-requests \(8\) must not exceed --max-ongoing-requests \(4\)"
    ):
        RaySpec(max_ongoing_requests=4)


def test_replicas_share_rate_counters_unless_a_shared_store_is_given():
    assert (
        ray_settings(ServeSettings()).rate_storage == "ray://" and ray_settings(ServeSettings()).demo is False
    )
    redis = ServeSettings(rate_storage="redis://cache:6379")
    assert ray_settings(redis).rate_storage == "redis://cache:6379"


@pytest.fixture(scope="module")
def local_ray():
    if not ray_available():
        pytest.skip('ray[serve] is not installed (pip install -e ".[ray]")')
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@needs_ray
def test_ray_storage_counts_one_limit_for_every_limiter(local_ray):
    """Two limiters (as two replicas hold) on ``ray://`` see one count: the 4th hit of 3/minute fails."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    import workbench.serve.raystore as raystore

    first = MovingWindowRateLimiter(storage_from_string("ray://test-counters"))
    second = MovingWindowRateLimiter(storage_from_string("ray://test-counters"))
    item = parse("3/minute")
    assert [first.hit(item, "k"), second.hit(item, "k"), first.hit(item, "k")] == [True, True, True]
    assert second.hit(item, "k") is False and first.hit(item, "other-key") is True
    assert second.get_window_stats(item, "k").remaining == 0
    raystore.kill_counters("test-counters")


@needs_ray
def test_two_replicas_answer_and_share_the_rate_limit(local_ray, toy_model_id, isolated_workspace):
    import httpx

    from workbench.serve import rayserve
    from workbench.serve.deployments import DeploymentStore
    from workbench.serve.keys import KeyStore

    DeploymentStore().deploy("toy", toy_model_id, by="test")
    _, secret = KeyStore().add("app", scopes="predict,admin", rate="6/minute")
    port = free_port()
    rayserve.start(
        ServeSettings(),
        RaySpec(replicas=2, replica_cpus=0.5),
        host="127.0.0.1",
        port=port,
        home=isolated_workspace,
    )
    try:
        from ray import serve

        status = serve.status().applications[rayserve.APP_NAME].deployments[rayserve.DEPLOYMENT_NAME]
        assert status.replica_states.get("RUNNING") == 2
        headers = {"Authorization": f"Bearer {secret}"}
        url = f"http://127.0.0.1:{port}/v1/models/toy/predict"
        answers = [
            httpx.post(url, json={"texts": [f"a wonderful film {i}"]}, headers=headers, timeout=60)
            for i in range(9)
        ]
        codes = [a.status_code for a in answers]
        assert codes.count(200) == 6 and codes.count(429) == 3, codes  # 6/minute for the key, not per replica
        ok = [a for a in answers if a.status_code == 200]
        assert {a.json()["predictions"][0]["label"] for a in ok} == {"pos"}
        assert len({a.headers["x-replica"] for a in answers}) == 2  # both replicas took requests
        assert "Rate limit exceeded for 'app'" in answers[-1].json()["detail"]
    finally:
        rayserve.stop()


def test_serve_ray_without_ray_says_how_to_install_it(monkeypatch, capsys):
    from workbench.cli.main import main
    from workbench.serve import rayserve

    monkeypatch.setattr(rayserve, "ray_available", lambda: False)
    assert main(["serve", "--ray", "--replicas", "2", "--port", str(free_port())]) == 2
    assert 'Ray Serve is not installed: pip install -e ".[ray]"' in capsys.readouterr().err
    assert main(["serve", "--ray", "--replicas", "2", "--max-replicas", "1"]) == 2
    assert "--max-replicas (1) must be at least --replicas (2)" in capsys.readouterr().err
