"""Helpers of the serving tests."""

from __future__ import annotations


def make_client(**settings):
    from fastapi.testclient import TestClient

    from workbench.serve.app import create_app
    from workbench.serve.settings import ServeSettings

    return TestClient(create_app(ServeSettings(**{"demo": False, **settings})))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningServer:
    """A real uvicorn on 127.0.0.1 and a free port, in a thread; stopped (gracefully) on exit."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            # the demo's gradio_client keeps a stream open: wait 2 s for it, not until it times out
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2
            )
        )

    def __enter__(self) -> RunningServer:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)
