"""The micro-batcher alone, and through the app: one forward for concurrent requests, bounded queue,
and a deployment switched mid-traffic answering each request from one consistent version."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from serve_helpers import make_client

from workbench.serve.batcher import MicroBatcher, QueueFull
from workbench.serve.deployments import DeploymentStore
from workbench.serve.schemas import VERSION_HEADER


class SlowDouble:
    """A batch function that records each batch and takes ``delay`` seconds (a busy model)."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, items: list[int]) -> list[int]:
        self.release.wait(5)
        self.batches.append(list(items))
        time.sleep(self.delay)
        return [2 * x for x in items]


def test_idle_model_dispatches_at_once_then_joins_what_waits():
    fn = SlowDouble()
    batcher = MicroBatcher(fn, max_batch_size=32, max_wait_s=0.005, max_queue=100)
    started = time.perf_counter()
    assert batcher.call([1]) == [2]
    assert time.perf_counter() - started < fn.delay + 0.04  # no batching wait on an idle model
    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(batcher.call, [1])  # the model is now busy with this one...
        time.sleep(0.02)
        rest = [pool.submit(batcher.call, [i, i + 100]) for i in range(2, 6)]  # ...these wait together
        assert first.result() == [2]
        assert [f.result() for f in rest] == [[2 * i, 2 * (i + 100)] for i in range(2, 6)]
    assert len(fn.batches) == 3 and sorted(fn.batches[-1]) == [2, 3, 4, 5, 102, 103, 104, 105]


def test_batches_never_exceed_the_size_and_async_callers_work():
    fn = SlowDouble(delay=0.01)
    batcher = MicroBatcher(fn, max_batch_size=4, max_wait_s=0.002, max_queue=100)

    async def many() -> list[list[int]]:
        return await asyncio.gather(*(batcher([i]) for i in range(10)))

    assert asyncio.run(many()) == [[2 * i] for i in range(10)]
    assert max(len(b) for b in fn.batches) <= 4 and len(fn.batches) < 10


def test_full_queue_refuses_at_once_and_errors_reach_every_caller():
    fn = SlowDouble()
    fn.release.clear()  # the model hangs on the first batch
    batcher = MicroBatcher(fn, max_batch_size=2, max_queue=3)
    with ThreadPoolExecutor(2) as pool:
        running = pool.submit(batcher.call, [1])
        time.sleep(0.05)
        waiting = pool.submit(batcher.call, [2, 3])
        time.sleep(0.05)
        with pytest.raises(
            QueueFull, match=r"The model's queue is full \(2 texts waiting, limit 3\); retry in"
        ):
            batcher.call([4, 5])
        fn.release.set()
        assert running.result() == [2] and waiting.result() == [4, 6]

    def broken(items: list[int]) -> list[int]:
        raise ValueError("model broke")

    with pytest.raises(ValueError, match="model broke"):
        MicroBatcher(broken).call([1])


def test_full_queue_is_503_with_retry_after(deployed, monkeypatch):
    from workbench.inference.predict import LoadedModel

    gate = threading.Event()
    real = LoadedModel.predict

    def stuck(self, *args, **kwargs):
        gate.wait(10)
        return real(self, *args, **kwargs)

    with make_client(max_queue=2, cache_entries=0) as client:
        monkeypatch.setattr(LoadedModel, "predict", stuck)
        with ThreadPoolExecutor(2) as pool:
            busy = pool.submit(client.post, "/v1/models/toy/predict", json={"texts": ["good"]})
            time.sleep(0.3)
            queued = pool.submit(client.post, "/v1/models/toy/predict", json={"texts": ["a", "b"]})
            time.sleep(0.3)
            refused = client.post("/v1/models/toy/predict", json={"texts": ["bad"]})
            gate.set()
            assert busy.result().status_code == 200 and queued.result().status_code == 200
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["detail"].startswith("The model's queue is full (2 texts waiting, limit 2)")


def test_switch_mid_traffic_answers_each_request_from_one_version(deployed, second_version):
    """Two versions give opposite label names for the same text; a request must never mix them."""
    store = DeploymentStore()
    texts = ["the acting was wonderful", "a wonderful film", "great music", "loved the ending"]
    expected = {deployed: "pos", second_version: "neg"}
    with make_client(cache_entries=0) as client:
        client.post(f"/v1/models/toy/versions/{deployed}/predict", json={"texts": texts})
        store.deploy("toy", second_version)
        client.post("/v1/models/toy/predict", json={"texts": texts})  # both versions loaded now
        store.deploy("toy", deployed)

        def call(i: int):
            return client.post("/v1/models/toy/predict", json={"texts": texts})

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(call, i) for i in range(40)]
            for n in range(6):
                time.sleep(0.05)
                store.deploy("toy", second_version if n % 2 == 0 else deployed)
            responses = [f.result() for f in futures]
    seen = set()
    for response in responses:
        body = response.json()
        assert response.headers[VERSION_HEADER] == body["version"]
        assert [p["label"] for p in body["predictions"]] == [expected[body["version"]]] * len(texts)
        seen.add(body["version"])
    assert seen == {deployed, second_version}
