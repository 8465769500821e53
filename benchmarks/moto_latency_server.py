"""A moto server in its own process that answers every AWS request after a fixed delay,
so the job benchmarks see network-like latency instead of a same-process mock.

    python benchmarks/moto_latency_server.py [--latency-ms 50]

It prints its port on the first line of stdout and serves until it is terminated or its
stdin closes (so it never outlives the benchmark that started it).

- ``POST /moto-api/reset`` clears moto's state (and the request count), without delay.
- ``GET /_bench/stats`` answers ``{"aws_requests": n}``: AWS requests since the last reset.

Run as a script: it imports nothing from the app or from ``benchmarks``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

STATS_PATH = "/_bench/stats"
RESET_PATH = "/moto-api/reset"


class LatencyMiddleware:
    """Sleeps ``latency_s`` before handing an AWS request to moto; the server is
    threaded, so concurrent requests wait side by side as they would on a network."""

    def __init__(self, app: WsgiApp, latency_s: float) -> None:
        self._app = app
        self._latency_s = latency_s
        self._lock = threading.Lock()
        self._count = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path == STATS_PATH:
            with self._lock:
                body = json.dumps({"aws_requests": self._count}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path.startswith("/moto-api/"):
            if path == RESET_PATH:
                with self._lock:
                    self._count = 0
            return self._app(environ, start_response)
        with self._lock:
            self._count += 1
        time.sleep(self._latency_s)
        return self._app(environ, start_response)


def _exit_when_stdin_closes() -> None:
    sys.stdin.read()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = LatencyMiddleware(
        DomainDispatcherApplication(create_backend_app), args.latency_ms / 1000.0
    )
    server = make_server(
        "127.0.0.1",
        args.port,
        app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
