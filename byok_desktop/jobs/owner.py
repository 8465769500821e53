"""Who runs a job: "host:pid[:tag]". Another instance's jobs on this host are left alone
while its process lives; a dead owner's Running jobs were interrupted."""

from __future__ import annotations

import os
import socket


def this_owner(tag: str = "") -> str:
    base = f"{socket.gethostname()}:{os.getpid()}"
    return f"{base}:{tag}" if tag else base


def owner_alive(owner: str) -> bool:
    """True when ``owner`` is another live process on this host. Owners on other hosts
    (a shared database) count as alive: this machine cannot tell, and interrupting a
    job that runs elsewhere would let it run twice."""
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname():
        return bool(host)
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process just started: whatever it "runs" was a previous life
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True
