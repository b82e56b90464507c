"""Canary and shadow versions of a deployment, promote / drop, and offline replay."""

from __future__ import annotations

import json
import os
import random
import time

import pytest
from serve_helpers import make_client

from workbench.cli.main import main
from workbench.errors import SpecError
from workbench.serve.deployments import Deployment, DeploymentStore, routing_bucket
from workbench.serve.monitor.rollout import live_comparison

EMAIL = "jane.doe@example.com"
STARVED = (
    "the mirror did not finish its queue in 30 s; it runs at idle priority by design, so another "
    "process holding every core (a second test run?) starves it"
)


def test_canary_share_is_within_3_points_over_2000_requests():
    rng = random.Random(0)
    for share in (10.0, 50.0):
        d = Deployment("support", "v1", 0.0, "t", candidate="v2", rollout="canary", share=share)
        routed = [d.routed_version(f"{rng.getrandbits(64):016x}") for _ in range(2000)]
        assert abs(routed.count("v2") / 20 - share) <= 3


def test_canary_answers_its_share_through_the_api_by_request_id(deployed, second_version):
    store = DeploymentStore()
    store.start_rollout("toy", second_version, canary=30, by="test")
    with make_client() as client:
        answered = []
        for i in range(120):
            response = client.post(
                "/v1/models/toy/predict", json={"texts": ["good film"]}, headers={"X-Request-Id": f"req-{i}"}
            )
            assert response.headers["X-Request-Id"] == f"req-{i}"
            assert response.json()["version"] == response.headers["X-Model-Version"]
            answered.append(response.headers["X-Model-Version"])
        assert client.app.state.serve.mirror.drain(), STARVED
        client.app.state.serve.log.flush()
    expected = [second_version if routing_bucket("toy", f"req-{i}") < 30 else deployed for i in range(120)]
    assert answered == expected and 0 < answered.count(second_version) < 120
    comparison = live_comparison("toy")
    assert comparison.rollout == "canary" and comparison.candidate.answered == answered.count(second_version)
    assert comparison.pairs == answered.count(second_version)  # each canary text mirrored to the current


def test_canary_is_sticky_per_api_key(deployed, second_version):
    from workbench.serve.keys import KeyStore

    secrets = {
        name: KeyStore().add(name, scopes="predict")[1] for name in ("app-a", "app-b", "app-c", "app-d")
    }
    DeploymentStore().start_rollout("toy", second_version, canary=50, by="test")
    with make_client() as client:
        for name, secret in secrets.items():
            versions = {
                client.post(
                    "/v1/models/toy/predict",
                    json={"texts": [f"text {i}"]},
                    headers={"Authorization": f"Bearer {secret}"},
                ).headers["X-Model-Version"]
                for i in range(6)
            }
            expected = second_version if routing_bucket("toy", name) < 50 else deployed
            assert versions == {expected}


@pytest.mark.parametrize("in_process", [True, False], ids=["worker-process", "server-thread"])
def test_shadow_never_changes_answers_and_is_compared_on_the_same_texts(deployed, second_version, in_process):
    texts = [f"mail {EMAIL} about the film", "the acting was wonderful", "boring plot"]
    with make_client() as client:
        before = client.post("/v1/models/toy/predict", json={"texts": texts})
    DeploymentStore().start_rollout("toy", second_version, shadow=True, by="test")
    with make_client(cache_entries=0, shadow_process=in_process) as client:
        after = client.post("/v1/models/toy/predict", json={"texts": texts})
        mirror, runtimes = client.app.state.serve.mirror, client.app.state.serve.runtimes
        assert mirror.drain(), STARVED
        client.app.state.serve.log.flush()
        # The shadow version is loaded where it runs: in the worker process, or in the server.
        assert runtimes.loaded(second_version) is not in_process
        if in_process:
            worker = mirror.worker.process.pid
            assert worker != os.getpid() and os.sched_getscheduler(worker) == os.SCHED_IDLE
    assert after.json() == before.json() and after.headers["X-Model-Version"] == deployed
    comparison = live_comparison("toy")
    assert (comparison.rollout, comparison.pairs, comparison.agreement) == (
        "shadow",
        3,
        0.0,
    )  # labels swapped
    assert comparison.candidate.answered == 0 and comparison.candidate.mirrored == 3
    shown = json.dumps(comparison.to_dict())
    assert EMAIL not in shown and "[EMAIL]" in shown


def test_a_slow_shadow_does_not_delay_the_answer(deployed, second_version, monkeypatch):
    from workbench.serve.mirror import Mirror

    monkeypatch.setattr(Mirror, "_predict", lambda self, job: time.sleep(2.0))
    DeploymentStore().start_rollout("toy", second_version, shadow=True, by="test")
    with make_client() as client:
        client.post("/v1/models/toy/predict", json={"texts": ["warm up"]})
        started = time.perf_counter()
        assert client.post("/v1/models/toy/predict", json={"texts": ["good film"]}).status_code == 200
        assert time.perf_counter() - started < 1.5


def test_a_shadow_version_the_worker_cannot_load_is_logged_and_serving_goes_on(
    deployed, second_version, caplog
):
    from workbench.models.registry import Registry

    DeploymentStore().start_rollout("toy", second_version, shadow=True, by="test")
    Registry().remove(second_version)
    with make_client(cache_entries=0) as client, caplog.at_level("WARNING", logger="workbench.serve"):
        response = client.post("/v1/models/toy/predict", json={"texts": ["good film"]})
        client.app.state.serve.mirror.drain(60)
        assert client.app.state.serve.mirror.done == 0
    assert response.status_code == 200 and response.headers["X-Model-Version"] == deployed
    warnings = [r.getMessage() for r in caplog.records if r.name == "workbench.serve"]
    assert any(m.startswith(f"shadow {second_version} of toy: ") for m in warnings), warnings


def test_deploy_cli_starts_promotes_drops_and_says_what_is_wrong(deployed, second_version, capsys):
    assert main(["deploy", "toy", second_version, "--canary", "10"]) == 0
    assert "answers 10% of the traffic" in capsys.readouterr().out
    assert DeploymentStore().get("toy").candidate == second_version
    assert main(["deploy", "toy", "--promote"]) == 0
    current = DeploymentStore().get("toy")
    assert (current.version, current.candidate) == (second_version, None)
    assert main(["deploy", "toy", "--rollback"]) == 0 and DeploymentStore().get("toy").version == deployed
    assert main(["deploy", "toy", "--shadow", second_version]) == 0
    assert main(["deploy", "toy", "--drop"]) == 0 and DeploymentStore().get("toy").candidate is None
    assert main(["deploy", "toy", "--drop"]) == 2
    assert "has no canary or shadow version to drop" in capsys.readouterr().err
    assert main(["deploy", "toy", second_version, "--canary", "150"]) == 2
    assert "Canary share must be between 0 and 100 percent (exclusive), got 150" in capsys.readouterr().err
    with pytest.raises(SpecError, match="already serves 'toy': a canary or shadow must be another version"):
        DeploymentStore().start_rollout("toy", deployed, canary=5)


def _label_in_review(text_masked: str, gold: str, model_id: str) -> None:
    from workbench.inference.checked import predict_checked
    from workbench.inference.predict import load_model
    from workbench.review import store
    from workbench.review.flagged import add_flagged
    from workbench.safety import resolve_rules

    loaded = load_model(model_id)
    checked = predict_checked(loaded, [text_masked], rules=resolve_rules(None))[0]
    queue, item = add_flagged(model_id, loaded.labels, checked)
    with store.connect() as conn:
        conn.execute("UPDATE items SET gold_label = ?, status = 'labelled' WHERE queue = ? AND item_id = ?",
                     (gold, queue, item))  # fmt: skip


def test_replay_compares_versions_offline_with_review_accuracy(client, deployed, second_version, capsys):
    texts = ["the acting was wonderful", "boring plot", "great music", f"awful, mail {EMAIL}"]
    answers = client.post("/v1/models/toy/predict", json={"texts": texts}).json()["predictions"]
    client.app.state.serve.log.flush()
    _label_in_review("the acting was wonderful", answers[0]["label"], deployed)
    assert main(["replay", "toy", "--candidate", second_version, "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert f"toy: {deployed} (current) vs {second_version} (candidate, replay)" in out
    assert "label agreement: 0.0% on 4 texts both versions predicted" in out
    assert "accuracy on 1 review-queue labels: current 100.0%, candidate 0.0%" in out
    assert "[EMAIL]" in out and EMAIL not in out
    assert main(["replay", "toy", "--candidate", second_version, "--since", "yesterday"]) == 2
    assert "--since 'yesterday' is neither a duration nor a date" in capsys.readouterr().err


def test_a_dead_shadow_worker_is_reported_with_its_real_cause():
    import multiprocessing
    import signal

    from workbench.serve.mirror import exit_cause

    process = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,), daemon=True)
    process.start()
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    assert (
        exit_cause(process.exitcode) == "killed by SIGKILL: out of memory? the kernel's OOM killer sends it"
    )
    assert exit_cause(-signal.SIGTERM).startswith("stopped by SIGTERM: the server shutting down")
    assert exit_cause(3) == "exit code 3" and exit_cause(-signal.SIGSEGV) == "stopped by SIGSEGV"
    assert "out of memory" not in exit_cause(-signal.SIGTERM)
