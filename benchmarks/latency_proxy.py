"""A TCP proxy on 127.0.0.1 that behaves like a VPN: every byte is delayed (each way),
and the link can stall and resume.

``stall()`` stops forwarding without closing anything, as a VPN dropping packets does:
the client's connection stays open and its writes succeed (this machine's TCP stack
acknowledges them), but nothing reaches the other side and no answer comes back. What
was sent meanwhile waits in the proxy and the sockets' buffers, and ``resume()`` delivers
it, as TCP's retransmissions do once a link returns. New connections are accepted while
stalled, but no byte of them is forwarded either.

Used by the benchmarks (a team database 10 ms away each way) and by the tests (a stalled
link, a refused connection). Everything runs on one asyncio loop in a daemon thread;
``close()`` (or leaving the ``with`` block) stops it within seconds, whatever is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CHUNK = 65536
STOP_TIMEOUT_S = 5.0


class LatencyProxy:
    """``with LatencyProxy(port, delay_s=0.01) as proxy:`` then connect to ``proxy.port``."""

    def __init__(self, target_port: int, *, delay_s: float = 0.0) -> None:
        self.target_port = target_port
        self.delay_s = delay_s  # each way; may be changed while running
        self.port = 0
        self.client_chunks = 0  # reads from clients forwarded (about one per request)
        self.connections = 0  # accepted so far
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._flowing: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # --- control (any thread) ------------------------------------------------------------

    def __enter__(self) -> LatencyProxy:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    @property
    def stalled(self) -> bool:
        return self._flowing is not None and not self._flowing.is_set()

    def stall(self) -> None:
        """Stop forwarding in both directions; connections stay open."""
        self._call(self._set_flowing(False))

    def resume(self) -> None:
        """Forward again, starting with what waited during the stall."""
        self._call(self._set_flowing(True))

    def close(self) -> None:
        """Stop listening and drop every connection (both ends see them close)."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        if not self._thread.is_alive():
            self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(STOP_TIMEOUT_S)

    # --- the loop's side -------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _set_flowing(self, flowing: bool) -> None:
        assert self._flowing is not None
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=STOP_TIMEOUT_S)

    async def _accept(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.transport.abort()  # the far end refused: so does the proxy
            return
        writers = (client_out, server_out)
        self._writers.update(writers)
        pipes = [
            asyncio.ensure_future(self._pipe(client_in, server_out, from_client=True)),
            asyncio.ensure_future(self._pipe(server_in, client_out, from_client=False)),
        ]
        for pipe in pipes:
            self._tasks.add(pipe)
            pipe.add_done_callback(self._tasks.discard)
        try:
            await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            for writer in writers:
                self._writers.discard(writer)
                writer.transport.abort()

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, from_client: bool
    ) -> None:
        """Read ``source``, write each chunk to ``sink`` ``delay_s`` later, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        sender = asyncio.ensure_future(self._send(queue, sink))
        try:
            while True:
                assert self._flowing is not None
                await self._flowing.wait()
                try:
                    data = await source.read(CHUNK)
                except (ConnectionError, OSError):
                    data = b""
                if from_client and data:
                    self.client_chunks += 1
                await queue.put((time.monotonic() + self.delay_s, data))
                if not data:  # end of stream: passed on once what came before is sent
                    break
            await sender
        finally:
            sender.cancel()

    async def _send(
        self, queue: asyncio.Queue[tuple[float, bytes]], sink: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                assert self._flowing is not None
                await self._flowing.wait()
                if not data:
                    if sink.can_write_eof():
                        sink.write_eof()
                    return
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            sink.transport.abort()
