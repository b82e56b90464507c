"""The same gateway app on Ray Serve: N replicas (or autoscaling) behind Ray's HTTP proxy.

``@serve.ingress`` wraps the FastAPI app of ``create_app``, so routes, keys, limits, the cache and the
metrics are the ones ``workbench serve`` has. What changes with replicas:

* **Rate limits** must count per key across replicas, so the limiter's storage becomes ``ray://``
  (one named actor, ``workbench.serve.raystore``) unless the user chose a shared store (Redis).
* **Cache and metrics** stay per replica: each replica caches what it answered and ``/metrics``
  reports the replica that took the request (the ``X-Replica`` header names it). Scrape each replica,
  or use Ray's own metrics export, for cluster totals.
* **The Gradio demo** is not mounted: its queue keeps per-process session state that a round-robin
  proxy would split; run ``workbench demo MODEL`` beside the cluster.

Ray is an optional extra (``pip install -e ".[ray]"``); nothing imports this module unless asked.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import SpecError, WorkbenchError
from workbench.serve.settings import ServeSettings

APP_NAME = "workbench"
DEPLOYMENT_NAME = "gateway"
RAY_STORAGE = "ray://"


@dataclass(frozen=True)
class RaySpec:
    """How many replicas, and Ray's autoscaling when ``max_replicas`` is above ``replicas``."""

    replicas: int = 1
    max_replicas: int | None = None
    target_ongoing_requests: float = 8.0
    replica_cpus: float = 1.0
    # Ray's default (5 requests in flight per replica) would starve the micro-batcher: it can only join
    # the requests a replica holds, so each replica takes up to two full batches at once.
    max_ongoing_requests: int = 64

    def __post_init__(self) -> None:
        problems = []
        if self.replicas < 1:
            problems.append(f"--replicas must be at least 1, got {self.replicas}")
        if self.max_replicas is not None and self.max_replicas < self.replicas:
            problems.append(
                f"--max-replicas ({self.max_replicas}) must be at least --replicas ({self.replicas})"
            )
        if self.target_ongoing_requests <= 0:
            problems.append(f"--target-ongoing-requests must be above 0, got {self.target_ongoing_requests}")
        if self.replica_cpus < 0:
            problems.append(f"--replica-cpus must be 0 or more, got {self.replica_cpus}")
        if self.max_ongoing_requests < 1:
            problems.append(f"--max-ongoing-requests must be at least 1, got {self.max_ongoing_requests}")
        elif self.target_ongoing_requests > self.max_ongoing_requests:
            problems.append(
                f"--target-ongoing-requests ({self.target_ongoing_requests:g}) must not exceed "
                f"--max-ongoing-requests ({self.max_ongoing_requests})"
            )
        if problems:
            raise SpecError("Invalid Ray Serve settings: " + "; ".join(problems), problems)

    def deployment_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "ray_actor_options": {"num_cpus": self.replica_cpus},
            "max_ongoing_requests": self.max_ongoing_requests,
        }
        if self.max_replicas and self.max_replicas > self.replicas:
            options["autoscaling_config"] = {
                "min_replicas": self.replicas,
                "max_replicas": self.max_replicas,
                "target_ongoing_requests": self.target_ongoing_requests,
            }
        else:
            options["num_replicas"] = self.replicas
        return options


def ray_settings(settings: ServeSettings) -> ServeSettings:
    """The server settings for replicas: shared rate-limit counters, no Gradio mount."""
    storage = RAY_STORAGE if settings.rate_storage.startswith("memory://") else settings.rate_storage
    return dataclasses.replace(settings, rate_storage=storage, demo=False)


def ray_available() -> bool:
    """Whether the ray extra is installed (without importing it: ray's import takes seconds)."""
    import importlib.util

    return importlib.util.find_spec("ray") is not None


def require_ray() -> None:
    if not ray_available():
        raise WorkbenchError(
            'Ray Serve is not installed: pip install -e ".[ray]" (or pip install "ray[serve]"), '
            "or serve without --ray."
        )


def build_app(settings: ServeSettings, spec: RaySpec, home: Path) -> Any:
    """The Serve application (bound deployment): the gateway app, built inside each replica."""
    from ray import serve

    settings = ray_settings(settings)

    def gateway_app() -> Any:
        import workbench.serve.raystore  # noqa: F401  (registers the ray:// limits storage)
        from workbench.serve.app import create_app

        app = create_app(settings, home=home)
        replica = f"{socket.gethostname()}-{os.getpid()}"

        @app.middleware("http")
        async def name_the_replica(request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["X-Replica"] = replica
            return response

        return app

    options = spec.deployment_options()
    # Ray gives a replica of less than one CPU a single torch thread, and one of N CPUs N threads.
    threads = str(max(1, int(spec.replica_cpus)))
    env = {"WORKBENCH_HOME": str(home), "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": threads}
    options["ray_actor_options"]["runtime_env"] = {"env_vars": env}

    @serve.deployment(name=DEPLOYMENT_NAME, **options)
    @serve.ingress(gateway_app)
    class Gateway:
        """One replica: the gateway app (its lifespan loads the deployed models)."""

    return Gateway.bind()


def start(settings: ServeSettings, spec: RaySpec, *, host: str, port: int, home: Path) -> None:
    """Connect to Ray (``RAY_ADDRESS`` / a running cluster, else a local one) and run the gateway."""
    require_ray()
    import ray
    from ray import serve

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": host, "port": port})
    serve.run(build_app(settings, spec, home), name=APP_NAME, route_prefix="/")


def stop() -> None:
    """Tear the Serve app and the shared counters down (the Ray cluster itself stays if it was there)."""
    import ray
    from ray import serve

    from workbench.serve.raystore import kill_counters

    serve.shutdown()
    kill_counters()
    if ray.is_initialized():
        ray.shutdown()
