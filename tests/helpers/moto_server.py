"""A moto server on 127.0.0.1 that answers every request after a delay, so a test can
stop a client process in the middle of an AWS call. It runs in the test process; the
code under test runs in a subprocess and talks to it over HTTP."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import requests
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SlowMotoServer:
    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self._stopping = threading.Event()  # set: answer at once (the server is stopping)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _app(self) -> Wsgi:
        inner: Wsgi = DomainDispatcherApplication(create_backend_app)

        def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
                self._stopping.wait(self.latency_s)
            return inner(environ, start_response)

        return slow

    def start(self) -> str:
        self._stopping.clear()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server(
            "127.0.0.1", 0, self._app(), threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
