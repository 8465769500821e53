"""The job commands (``provision``, ``health``, ``resume``) as a user runs them, against a
moto server in this process and a keyring chosen per case (``PYTHON_KEYRING_BACKEND``):
each ends within a bound with the table's exit code (3 the keyring, 4 AWS, 1 a problem
found, 130 Ctrl+C), a sentence and no traceback; a refused ``provision`` leaves the request
Ready with no job; a keyring that never answers does not keep the process alive."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.exit_codes import ExitCode
from byok_desktop.paths import AppPaths, resolve_paths
from tests.helpers import REPO
from tests.helpers.factories import ready_draft
from tests.helpers.fault_keyrings import FILE_ENV, FileKeyring
from tests.helpers.moto_server import SlowMotoServer

ACCOUNT = "123456789012"  # moto's default account
KEYRING_TIMEOUT_S = 1.0  # the data folder's setting: a stuck call gives up after this
BOUND_S = 20.0  # start-up, the timeout, the sentence, the exit: far below the old 150 s hang

KEYRINGS = {
    "file": "tests.helpers.fault_keyrings.FileKeyring",
    "stuck": "tests.helpers.fault_keyrings.StuckKeyring",
    "locked": "tests.helpers.fault_keyrings.LockedKeyring",
    "none": "keyring.backends.fail.Keyring",
}


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    slow = SlowMotoServer(0.0)
    slow.start()
    yield slow
    slow.stop()


def _dead_endpoint() -> str:
    """A local port nobody listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class Workstation:
    paths: AppPaths
    keyring_file: Path
    url: str
    request_id: int

    def run(
        self, *args: str, keyring: str = "file", url: str | None = None
    ) -> tuple[subprocess.CompletedProcess[str], float]:
        start = time.monotonic()
        result = subprocess.run(
            self.command(*args, url=url),
            cwd=REPO,
            env=self.env(keyring),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return result, time.monotonic() - start

    def command(self, *args: str, url: str | None = None) -> list[str]:
        return [
            sys.executable,
            "main.py",
            "--data-dir",
            str(self.paths.data_dir),
            "--aws-endpoint-url",
            url or self.url,
            *args,
        ]

    def env(self, keyring: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONIOENCODING": "utf-8",
            "PYTHON_KEYRING_BACKEND": KEYRINGS[keyring],
            FILE_ENV: str(self.keyring_file),
        }

    def sql(self, query: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(f"file:{self.paths.database}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(query).fetchall()
        finally:
            conn.close()

    def request_status(self) -> str:
        return str(self.sql(f"SELECT status FROM requests WHERE id = {self.request_id}")[0][0])

    def job_count(self) -> int:
        return int(str(self.sql("SELECT count(*) FROM jobs")[0][0]))


@pytest.fixture
def station(server: SlowMotoServer, tmp_path: Path) -> Workstation:
    """A verified KEYS profile whose secret is in a keyring file, a Ready request for its
    account, and a keyring timeout of one second; on a fresh simulated AWS."""
    server.reset()
    server.latency_s = 0.0
    keyring_file = tmp_path / "keyring.json"
    paths = resolve_paths(tmp_path / "data")
    context = open_context(
        paths, aws_endpoint_url=server.url, keyring_backend=FileKeyring(keyring_file)
    )
    try:
        context.settings_service.update(keyring_timeout_s=KEYRING_TIMEOUT_S)
        profile = context.credentials.save(
            None,
            ProfileInput(
                name="acme",
                kind=ProfileKind.KEYS,
                access_key_id="AKIAIOSFODNN7EXAMPLE",
                default_region="eu-central-1",
            ),
            AwsSecret("not-a-real-secret"),
        )
        context.credentials.verify(profile.uid)
        request = context.database.requests.create(ready_draft(aws_account_id=ACCOUNT))
    finally:
        context.close()
    return Workstation(paths, keyring_file, server.url, request.id)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr + result.stdout


# --- provision: the profile is checked before anything is locked -------------------------

PROVISION_REFUSALS = {
    # fault: (keyring, dead endpoint?, account of the request, code, what it says)
    "keyring never answers": ("stuck", False, ACCOUNT, ExitCode.ENVIRONMENT, "did not answer"),
    "keyring locked": ("locked", False, ACCOUNT, ExitCode.ENVIRONMENT, "keyring is locked"),
    "no keyring": ("none", False, ACCOUNT, ExitCode.ENVIRONMENT, "No OS keyring"),
    "AWS unreachable": ("file", True, ACCOUNT, ExitCode.AWS, "Could not reach AWS"),
    "wrong account": ("file", False, "210987654321", ExitCode.AWS, "210987654321"),
}


@pytest.mark.parametrize("fault", sorted(PROVISION_REFUSALS))
def test_provision_checks_the_profile_before_submitting(station: Workstation, fault: str) -> None:
    keyring, dead, account, code, says = PROVISION_REFUSALS[fault]
    if account != ACCOUNT:
        conn = sqlite3.connect(station.paths.database)
        with conn:
            conn.execute(
                "UPDATE requests SET aws_account_id = ? WHERE id = ?", (account, station.request_id)
            )
        conn.close()
    result, elapsed = station.run(
        "provision",
        "--yes",
        str(station.request_id),
        keyring=keyring,
        url=_dead_endpoint() if dead else None,
    )

    assert result.returncode == code, result.stdout + result.stderr
    _no_traceback(result)
    (line,) = result.stderr.splitlines()  # one sentence, on stderr
    assert line.startswith(f"error: #{station.request_id}: not submitted: ")
    assert says in line
    assert line.endswith("nothing was submitted.")
    assert elapsed < BOUND_S
    assert station.request_status() == "ready"
    assert station.job_count() == 0


def test_health_with_a_keyring_that_never_answers_exits_in_time(station: Workstation) -> None:
    done, _ = station.run("provision", "--yes", str(station.request_id))
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr

    result, elapsed = station.run("health", keyring="stuck")

    assert result.returncode == ExitCode.ENVIRONMENT, result.stdout + result.stderr
    _no_traceback(result)
    assert "did not answer in time" in result.stderr
    assert elapsed < BOUND_S


# --- health: its codes and --json ---------------------------------------------------------


def _disable_key(server: SlowMotoServer, region: str) -> None:
    kms = boto3.client(
        "kms",
        region_name=region,
        endpoint_url=server.url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    for key in kms.list_keys()["Keys"]:
        kms.disable_key(KeyId=key["KeyId"])


def test_health_codes_and_json(station: Workstation, server: SlowMotoServer) -> None:
    done, _ = station.run("provision", "--yes", str(station.request_id))
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr

    healthy, _ = station.run("health", "--json")
    assert healthy.returncode == ExitCode.OK, healthy.stdout + healthy.stderr
    document = json.loads(healthy.stdout)
    assert document["exit_code"] == 0
    assert [(f["site"], f["family"], f["status"]) for f in document["families"]] == [
        ("acme", "jira", "active")
    ]

    unreachable, elapsed = station.run("health", "--json", url=_dead_endpoint())
    assert unreachable.returncode == ExitCode.AWS, unreachable.stdout + unreachable.stderr
    _no_traceback(unreachable)
    (family,) = json.loads(unreachable.stdout)["families"]
    assert family["aws_fault"]
    assert "Could not reach AWS" in family["aws_error"]
    assert elapsed < 60

    _disable_key(server, "eu-west-1")
    problem, _ = station.run("health")
    assert problem.returncode == ExitCode.PROBLEMS, problem.stdout + problem.stderr
    assert problem.stdout.startswith("acme/jira: ")
    assert "Active" not in problem.stdout


# --- Ctrl+C during a job, then resume: 130, resumable, 4 while AWS is out of reach ---------


def test_ctrl_c_during_a_job_exits_130_and_the_job_resumes(
    station: Workstation, server: SlowMotoServer
) -> None:
    server.latency_s = 0.05  # long enough to land the signal inside a step
    # Unbuffered, so each step's line arrives as the command prints it.
    process = subprocess.Popen(
        station.command("provision", "--yes", str(station.request_id)),
        cwd=REPO,
        env={**station.env("file"), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert process.stdout is not None
        # "step 2/…" is printed when the second step starts: the first has finished.
        for line in process.stdout:
            seen.append(line)
            if ": step 2/" in line:
                break
        assert any(": step 2/" in line for line in seen), "".join(seen) + process.communicate()[1]
        start = time.monotonic()
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=BOUND_S)
        stdout = "".join(seen) + rest
        elapsed = time.monotonic() - start
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == ExitCode.INTERRUPTED, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "interrupted" in stderr
    assert "continues it from its last completed step" in stdout
    assert elapsed < 10

    server.latency_s = 0.0
    out_of_reach, _ = station.run("resume", url=_dead_endpoint())
    assert out_of_reach.returncode == ExitCode.AWS, out_of_reach.stdout + out_of_reach.stderr
    _no_traceback(out_of_reach)

    resumed, _ = station.run("resume")
    assert resumed.returncode == ExitCode.OK, resumed.stdout + resumed.stderr
    assert station.request_status() == "provisioned"
    kms = boto3.client(
        "kms",
        region_name="eu-central-1",
        endpoint_url=server.url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    assert len(kms.list_keys()["Keys"]) == 1  # nothing made twice
