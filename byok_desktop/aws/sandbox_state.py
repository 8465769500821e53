"""The sandbox's simulated AWS kept across restarts: moto's KMS and IAM state, saved when
the sandbox stops and put back before it serves again, so keys, aliases, policies and the
key-management role come back with the same IDs and ARNs the product records name.

The file is a pickle of moto's own objects, written by this app into the user's sandbox
folder and read only from there. It is tied to the moto version that wrote it: another
version's file is treated as absent (the sandbox then starts afresh, see ``context``)."""

from __future__ import annotations

import io
import json
import logging
import pickle
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

log = logging.getLogger("byok_desktop.sandbox")

STATE_FILE = "simulated-aws.pickle"
_FORMAT = 1
_PARTITION = "aws"  # IAM is global: moto keeps it per partition


def _header() -> bytes:
    try:
        moto = version("moto")
    except PackageNotFoundError:  # no sandbox packages: no state is usable
        moto = ""
    return json.dumps({"format": _FORMAT, "moto": moto}).encode() + b"\n"


def state_usable(path: Path) -> bool:
    """Whether ``path`` holds a state this moto can load (reads the header line only:
    cheap, moto not imported)."""
    try:
        with path.open("rb") as file:
            line = file.readline(200)
    except OSError:
        return False
    return line == _header()


def _load_private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, None)


class _Pickler(pickle.Pickler):
    """moto keeps a private key with every KMS key; cryptography's keys do not pickle, so
    they are written as DER and read back with ``_load_private_key``."""

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )

        if isinstance(obj, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            der = obj.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            return _load_private_key, (der,)
        return NotImplemented


def save_state(path: Path, unless_same_as: bytes = b"") -> bytes:
    """Write the simulated KMS and IAM (every account) through a temporary file; nothing
    is written when they are ``unless_same_as`` (what the last save wrote). Returns what
    the file now holds."""
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends

    state = {
        "kms": {account: dict(regions.items()) for account, regions in kms_backends.items()},
        "iam": {
            account: partitions[_PARTITION]
            for account, partitions in iam_backends.items()
            if _PARTITION in dict(partitions)  # present, not made by asking
        },
    }
    buffer = io.BytesIO()
    buffer.write(_header())
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    data = buffer.getvalue()
    if data == unless_same_as:
        return data
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    log.debug("Sandbox AWS saved to %s", path)
    return data


def restore_state(path: Path) -> bool:
    """Put a saved state back into moto (before its server serves). False when there is
    none this moto can read."""
    if not state_usable(path):
        return False
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends

    with path.open("rb") as file:
        file.readline()
        try:
            state = pickle.load(file)  # our own file, see the module's doc
        except Exception:
            log.exception("The saved sandbox AWS could not be read; it starts empty")
            return False
    for account, regions in state["kms"].items():
        for region, backend in regions.items():
            kms_backends[account][region] = backend
    for account, backend in state["iam"].items():
        iam_backends[account][_PARTITION] = backend
    log.info("Sandbox AWS restored from %s", path)
    return True


def forget_state() -> None:
    """Empty moto's KMS and IAM in this process, so the next sandbox starts from its file
    alone (a second sandbox in one process, as in tests, would otherwise see the first's)."""
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends

    for backends in (kms_backends, iam_backends):
        for account in list(backends.values()):  # BackendDict.reset would reset all of moto
            account.reset()  # type: ignore[attr-defined]
