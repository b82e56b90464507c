"""Helpers of the serving tests."""

from __future__ import annotations


def make_client(**settings):
    from fastapi.testclient import TestClient

    from workbench.serve.app import create_app
    from workbench.serve.settings import ServeSettings

    return TestClient(create_app(ServeSettings(**{"demo": False, **settings})))
