"""The built-in sandbox: a moto server on 127.0.0.1 in this process, for trying the
whole flow without an AWS account. Needs the ``sandbox`` extra (moto, flask, flask-cors).

Given a ``state_file``, what the simulated AWS holds is saved there when the server stops
(and every few seconds while it runs, when it changed: a crash loses little) and put back
when it starts (``sandbox_state``): the sandbox remembers across restarts.

With the setting "Behave like real AWS (slower)" (``sandbox_realistic_aws``) the
sandbox's connections also go through :meth:`SandboxServer.realism`, one
``RealisticAws`` for the server's lifetime (it is the same simulated AWS for every
connection), so a trainee sees IAM propagation waits, Creating replicas and throttling."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from byok_desktop.aws.realism import Realism, RealisticAws

log = logging.getLogger("byok_desktop.sandbox")

AUTOSAVE_S = 10.0


class SandboxUnavailable(RuntimeError):
    pass


class SandboxServer:
    def __init__(
        self, realism: Realism | None = None, running_at: str = "", state_file: Path | None = None
    ) -> None:
        """``running_at``: the endpoint of a sandbox server another process of this app
        runs (the job worker uses the GUI's); this object then neither starts nor stops
        one, nor touches the state file."""
        self._server: object | None = None
        self.state_file = None if running_at else state_file
        self._lock = threading.Lock()
        self.endpoint_url = running_at
        self._external = bool(running_at)
        self._realism_config = realism or Realism()
        self._realism: RealisticAws | None = None
        self._saved = b""  # what the state file holds (written by this server)
        self._autosave_stop = threading.Event()
        self._autosaver: threading.Thread | None = None
        # Released after each autosave pass (written or not): lets a caller wait for one.
        self.autosaved = threading.Semaphore(0)

    def realism(self) -> RealisticAws:
        """The layer that makes this sandbox behave like real AWS (made on first use)."""
        with self._lock:
            if self._realism is None:
                self._realism = RealisticAws(self._realism_config)
            return self._realism

    def start(self) -> str:
        with self._lock:
            if self._server is not None or self._external:
                return self.endpoint_url
            try:
                from moto.server import ThreadedMotoServer
            except ImportError as exc:
                raise SandboxUnavailable(
                    "The sandbox needs the optional 'sandbox' packages (moto, flask, "
                    "flask-cors): run `make run`, or pip install -e '.[sandbox]'."
                ) from exc
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            if self.state_file is not None:
                from byok_desktop.aws.sandbox_state import restore_state

                restore_state(self.state_file)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            self._server = server
            self.endpoint_url = f"http://{host}:{port}"
            log.info("Sandbox AWS (moto) listening on %s", self.endpoint_url)
            if self.state_file is not None:
                self._autosave_stop.clear()
                self._autosaver = threading.Thread(
                    target=self._autosave, name="sandbox-autosave", daemon=True
                )
                self._autosaver.start()
            return self.endpoint_url

    def _autosave(self) -> None:
        from byok_desktop.aws.sandbox_state import save_state

        assert self.state_file is not None
        while not self._autosave_stop.wait(AUTOSAVE_S):
            try:
                self._saved = save_state(self.state_file, self._saved)
            except Exception:  # moto changed it while it was read: next time
                log.debug("Sandbox autosave skipped", exc_info=True)
            self.autosaved.release()

    def stop(self) -> None:
        self._autosave_stop.set()
        if self._autosaver is not None:
            self._autosaver.join()
            self._autosaver = None
        with self._lock:
            if self._server is not None:
                self._server.stop()  # type: ignore[attr-defined]
                self._server = None
                log.info("Sandbox AWS stopped")
                if self.state_file is not None:
                    from byok_desktop.aws.sandbox_state import forget_state, save_state

                    try:
                        save_state(self.state_file, self._saved)
                    except Exception:  # the sandbox must not stop the app from closing
                        log.exception("The sandbox AWS could not be saved")
                        # An older state would not match the records: better none.
                        self.state_file.unlink(missing_ok=True)
                    forget_state()
