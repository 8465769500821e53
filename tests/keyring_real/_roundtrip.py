"""Run by test_secret_service.py inside ``dbus-run-session``; prints one JSON line.

Modes:
  roundtrip  start gnome-keyring-daemon (unlocked, secrets only), then save/load/delete an
             AwsSecret through SecretStore with keyring's SecretService backend
  nodaemon   no keyring daemon on the bus: SecretStore must give up with a KeyringProblem
  locked     the bus may start gnome-keyring itself, but nobody can answer its prompt
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from typing import Any

SECRETS_NAME = "org.freedesktop.secrets"


def secrets_owner_pid() -> int | None:
    """The pid of whoever provides the Secret Service on this session bus."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION") as conn:
        (owned,) = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME)).body
        if not owned:
            return None
        reply = conn.send_and_get_reply(message_bus.GetConnectionUnixProcessID(SECRETS_NAME))
        return int(reply.body[0])


def start_daemon() -> subprocess.Popen[str]:
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdin is not None
    assert daemon.stdout is not None
    daemon.stdin.write("byok-desktop-test-password")  # the login keyring's password
    daemon.stdin.close()
    # The daemon prints its environment and closes stdout once it is ready.
    for line in daemon.stdout.read().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isidentifier():
            os.environ[name] = value
    return daemon


def stop(daemon: subprocess.Popen[str]) -> None:
    daemon.terminate()
    try:
        daemon.wait(timeout=5)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait(timeout=5)


def roundtrip() -> dict[str, Any]:
    daemon = start_daemon()
    try:
        import keyring.backends.SecretService
        import secretstorage

        from byok_desktop.credentials.keyring_store import SERVICE, SecretStore
        from byok_desktop.credentials.secret import AwsSecret

        uid = str(uuid.uuid4())
        secret = AwsSecret("secret-" + uuid.uuid4().hex, "token-" + uuid.uuid4().hex)
        store = SecretStore(timeout_s=10.0, backend=keyring.backends.SecretService.Keyring())

        saved_in = store.save(uid, secret)
        loaded = store.load(uid)
        # Seen from outside the app: one item in the daemon's default collection.
        with secretstorage.dbus_init() as conn:
            collection = secretstorage.get_default_collection(conn)
            items = list(
                collection.search_items({"service": SERVICE, "username": f"profile/{uid}"})
            )
        deleted = store.delete(uid)
        sso = sso_roundtrip(store)
        return {
            **sso,
            "daemon_pid": daemon.pid,
            "secrets_owner_pid": secrets_owner_pid(),
            "backend": store.current_backend(),
            "saved_in": saved_in,
            "loaded_equal": loaded == secret,
            "loaded_token_equal": loaded is not None
            and loaded.session_token == secret.session_token,
            "items_in_collection": len(items),
            "deleted": deleted,
            "load_after_delete": None if store.load(uid) is None else "still there",
            "delete_again": store.delete(uid),
        }
    finally:
        stop(daemon)


def sso_roundtrip(store: Any) -> dict[str, Any]:
    """A sign-in session's token: its own item, read back whole, then removed."""
    from datetime import UTC, datetime, timedelta

    import secretstorage

    from byok_desktop.credentials.keyring_store import SERVICE
    from byok_desktop.credentials.sso import SsoToken

    name = "sso-session/test-" + uuid.uuid4().hex
    token = SsoToken(
        "access-" + uuid.uuid4().hex,
        datetime.now(UTC) + timedelta(hours=1),
        "https://example.awsapps.com/start",
        refresh_token="refresh-" + uuid.uuid4().hex,
        client_id="client",
        client_secret="client-secret-" + uuid.uuid4().hex,
    )
    store.save_item(name, token.to_keyring_text())
    text = store.load_item(name)
    loaded = SsoToken.from_keyring_text(text) if text else None
    with secretstorage.dbus_init() as conn:
        collection = secretstorage.get_default_collection(conn)
        items = list(collection.search_items({"service": SERVICE, "username": name}))
    return {
        "sso_token_equal": loaded is not None
        and (loaded.access_token, loaded.refresh_token, loaded.client_secret)
        == (token.access_token, token.refresh_token, token.client_secret),
        "sso_items": len(items),
        "sso_deleted": store.delete_item(name),
        "sso_after_delete": store.load_item(name),
    }


def fails_quickly() -> dict[str, Any]:
    import keyring.backends.SecretService

    from byok_desktop.credentials.keyring_store import KeyringProblem, SecretStore
    from byok_desktop.credentials.secret import AwsSecret

    store = SecretStore(timeout_s=5.0, backend=keyring.backends.SecretService.Keyring())
    started = time.monotonic()
    result: dict[str, Any]
    try:
        store.save(str(uuid.uuid4()), AwsSecret("never-stored"))
        result = {"problem": None}
    except KeyringProblem as exc:
        result = {"problem": exc.fault.value, "message": str(exc)}
    result["elapsed"] = time.monotonic() - started
    # A daemon the bus started on our behalf is ours to end.
    pid = secrets_owner_pid()
    result["activated_daemon"] = pid is not None
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
    return result


def _give_up() -> None:
    print(json.dumps({"error": "gave up after 20 s (a keyring call hung)"}), flush=True)
    os._exit(2)


def main() -> None:
    watchdog = threading.Timer(20.0, _give_up)
    watchdog.daemon = True
    watchdog.start()
    code = 0
    try:
        result = roundtrip() if sys.argv[1] == "roundtrip" else fails_quickly()
    except BaseException:
        result = {"error": traceback.format_exc()}
        code = 1
    print(json.dumps(result), flush=True)
    # A keyring call stuck in SecretStore's helper thread must not keep us alive.
    os._exit(code)


if __name__ == "__main__":
    main()
