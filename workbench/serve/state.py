"""What one server holds while it runs: settings, the workspace stores, loaded versions, metrics, log."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.models.registry import Registry
from workbench.serve.auth import RateLimits
from workbench.serve.deployments import DeploymentStore
from workbench.serve.keys import KeyStore
from workbench.serve.metrics import ServeMetrics
from workbench.serve.mirror import Mirror
from workbench.serve.requestlog import RequestLog, log_path
from workbench.serve.runtime import Runtimes
from workbench.serve.settings import ServeSettings


@dataclass
class ServeState:
    settings: ServeSettings
    registry: Registry
    store: DeploymentStore
    keys: KeyStore
    metrics: ServeMetrics
    runtimes: Runtimes
    rate_limits: RateLimits
    log: RequestLog
    mirror: Mirror = field(init=False)

    def __post_init__(self) -> None:
        self.mirror = Mirror(self)

    @classmethod
    def build(cls, settings: ServeSettings, home: Path | None = None) -> ServeState:
        registry = Registry(home)
        metrics = ServeMetrics()
        return cls(
            settings=settings,
            registry=registry,
            store=DeploymentStore(registry.home, registry),
            keys=KeyStore(registry.home),
            metrics=metrics,
            runtimes=Runtimes(settings, metrics, registry),
            rate_limits=RateLimits(settings.rate_storage, settings.default_rate),
            log=RequestLog(log_path(registry.home)),
        )

    def close(self) -> None:
        self.mirror.close()  # before the runtimes: the shadow's last batches still need them
        self.runtimes.close()
        self.log.close()
