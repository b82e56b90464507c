"""Cache, Prometheus metrics and the request log, through the real app."""

from __future__ import annotations

import sqlite3

from prometheus_client.parser import text_string_to_metric_families

from workbench.serve.requestlog import log_path

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_cache_hit_returns_the_same_answer_and_is_counted(client, deployed):
    first = client.post("/v1/models/toy/predict", json={"texts": ["the acting was wonderful"]}).json()
    second = client.post("/v1/models/toy/predict", json={"texts": ["the acting was wonderful"]}).json()
    assert first == second
    stats = client.app.state.serve.runtimes.cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 1, 1)
    metrics = samples(client.get("/metrics").text)
    assert metrics[("workbench_cache_hits_total", (("version", deployed),))] == 1
    assert metrics[("workbench_cache_misses_total", (("version", deployed),))] == 1


def test_cache_is_bounded_and_never_shared_across_versions():
    from workbench.serve.cache import PredictionCache
    from workbench.tasks import Prediction

    cache = PredictionCache(max_entries=2, max_bytes=10**6)
    for i in range(3):
        cache.put(("v1", f"text {i}", None), Prediction("pos", 0.9, {"pos": 0.9, "neg": 0.1}))
    assert cache.stats().entries == 2 and cache.get(("v1", "text 0", None)) is None
    assert cache.get(("v2", "text 2", None)) is None and cache.get(("v1", "text 2", None)).label == "pos"
    small = PredictionCache(max_entries=100, max_bytes=2000)
    for i in range(50):
        small.put(("v1", f"text {i}", None), Prediction("pos", 0.9, {"pos": 0.9, "neg": 0.1}))
    assert small.stats().bytes <= 2000 and small.stats().entries < 50


def test_metrics_parse_and_count_requests_latency_batches_and_safety(client, deployed):
    client.post("/v1/models/toy/predict", json={"texts": [f"write to {EMAIL}", "good film"]})
    client.post("/v1/models/nope/predict", json={"texts": ["x"]})
    metrics = samples(client.get("/metrics").text)
    route = "/v1/models/{name}/predict"
    ok = (("deployment", "toy"), ("route", route), ("status", "200"), ("version", deployed))
    assert metrics[("workbench_requests_total", ok)] == 1
    missing = (("deployment", "nope"), ("route", route), ("status", "404"), ("version", ""))
    assert metrics[("workbench_requests_total", missing)] == 1
    bucket = (("deployment", "toy"), ("le", "0.001"), ("route", route))
    assert ("workbench_request_latency_seconds_bucket", bucket) in metrics
    assert metrics[("workbench_batch_size_count", (("version", deployed),))] == 1
    assert metrics[("workbench_batch_size_sum", (("version", deployed),))] == 2
    safety = (("action", "mask"), ("category", "email"), ("deployment", "toy"))
    assert metrics[("workbench_safety_hits_total", safety)] == 1
    assert metrics[("workbench_model_load_seconds", (("version", deployed),))] > 0


def test_request_log_keeps_masked_text_and_hash_only(client, deployed, isolated_workspace):
    texts = [f"my card {CARD} was charged twice, mail {EMAIL}", "the acting was wonderful"]
    response = client.post("/v1/models/toy/predict", json=texts and {"texts": texts})
    assert response.status_code == 200
    client.app.state.serve.log.flush()
    path = log_path(isolated_workspace)
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for secret in (EMAIL, CARD, CARD.replace(" ", ""), "jane.doe"):
        assert secret.encode() not in raw
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT deployment, version, label, rule_hits, text_masked, length(text_sha256) FROM requests ORDER BY id"
    ).fetchall()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert len(rows) == 2 and {r[:2] for r in rows} == {("toy", deployed)}
    assert rows[0][4] == "my card [CREDIT_CARD] was charged twice, mail [EMAIL]"
    assert "pii.credit_card" in rows[0][3] and "pii.email" in rows[0][3]
    assert rows[1][2] == "pos" and rows[1][5] == 64
