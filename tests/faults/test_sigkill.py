"""Crash anywhere: provisioning, revoke and restore run in a subprocess against a moto
server in another process (this one), are killed with SIGKILL at each step boundary and
in the middle of a step, and are resumed by a new process. Afterwards AWS holds exactly
one key per region, one alias per region and one role; the products are in the right
status; the journal is complete."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.job_records import JobStatus, StepStatus
from byok_desktop.jobs.runner import PROVISION, RESTORE, REVOKE, STEPS, JobRunner
from byok_desktop.jobs.submit import submit_request
from byok_desktop.paths import AppPaths, resolve_paths
from byok_desktop.product_status import ProductStatus
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.policies import provider_access_allowed
from byok_desktop.request import RequestStatus
from tests.helpers import REPO
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.moto_server import SlowMotoServer

ROOT = REPO
ACCOUNT = "123456789012"  # moto's default account
REGIONS = ("eu-central-1", "eu-west-1")
ALIAS = "alias/cryptor-acme-jira"
LATENCY_S = 0.05  # every AWS call: long enough to land a kill inside one


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    slow = SlowMotoServer(LATENCY_S)
    slow.start()
    yield slow
    slow.stop()


@dataclass
class Site:
    paths: AppPaths
    url: str
    request_id: int

    @property
    def database(self) -> Path:
        return self.paths.database

    def main(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                "main.py",
                "--data-dir",
                str(self.paths.data_dir),
                "--aws-endpoint-url",
                self.url,
                *args,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def context(self) -> AppContext:
        return open_context(self.paths, aws_endpoint_url=self.url, keyring_backend=MemoryKeyring())

    def journal(self, kind: str) -> list[tuple[str, str]]:
        """(step, status) of the newest job of ``kind``, read as another process would."""
        conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute(
                "SELECT s.step, s.status FROM job_steps s WHERE s.job_id = "
                "(SELECT max(id) FROM jobs WHERE kind = ?) ORDER BY s.id",
                (kind,),
            ).fetchall()
        except sqlite3.OperationalError:
            return []  # the tables are not there yet
        finally:
            conn.close()
        return [(str(step), str(status)) for step, status in rows]


@pytest.fixture
def site(server: SlowMotoServer, tmp_path: Path) -> Site:
    """A Ready request and a verified AWS CLI profile (no keyring: the subprocess reads
    ~/.aws like the AWS CLI does), on a fresh simulated AWS."""
    server.reset()
    return make_site(server, tmp_path / "data")


def make_site(server: SlowMotoServer, data_dir: Path, **draft: Any) -> Site:
    """A data folder with a verified profile and a Ready request (``draft``: changes to
    :func:`ready_draft`), on the server's AWS as it stands."""
    home = Path(os.environ["HOME"])  # the isolated home of tests/conftest.py
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        "[byok-test]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = not-a-real-secret\n"
    )
    paths = resolve_paths(data_dir)
    context = open_context(paths, aws_endpoint_url=server.url, keyring_backend=MemoryKeyring())
    try:
        profile = context.credentials.save(
            None,
            ProfileInput(
                name="acme",
                kind=ProfileKind.CLI,
                cli_profile="byok-test",
                default_region="eu-central-1",
            ),
            None,
        )
        context.credentials.verify(profile.uid)
        request = context.database.requests.create(
            ready_draft(**{"aws_account_id": ACCOUNT, **draft})
        )
    finally:
        context.close()
    return Site(paths, server.url, request.id)


def _kill_when(process: subprocess.Popen[str], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)  # reap it and close its pipe
            return
        # The journal is in another process's database: look again in 5 ms, or at once
        # if the process ends.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.005)
            output, _ = process.communicate(timeout=10)
            pytest.fail(f"the process ended before the kill point:\n{output}")
    process.kill()
    process.communicate(timeout=10)
    pytest.fail("the kill point was never reached")


def _finish(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


# Steps that make no AWS call are over in a moment: only "after" can be hit reliably.
INSTANT_STEPS = {"window"}


def _kill_points(kind: str) -> list[tuple[str, str, str]]:
    """(kind, step, when): in the middle of every step, and right after it."""
    return [
        (kind, s.key, when)
        for s in STEPS[kind]
        for when in ("during", "after")
        if not (when == "during" and s.key in INSTANT_STEPS)
    ]


def _at(site: Site, kind: str, step: str, when: str) -> Callable[[], bool]:
    wanted = StepStatus.RUNNING.value if when == "during" else StepStatus.SUCCEEDED.value
    return lambda: (step, wanted) in site.journal(kind)


def _aws(site: Site, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=site.url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )


def _assert_aws_once(site: Site, state: str, trust_allowed: bool) -> None:
    for region in REGIONS:
        kms = _aws(site, "kms", region)
        keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
        assert len(keys) == 1, f"{region}: {keys}"
        assert kms.describe_key(KeyId=keys[0])["KeyMetadata"]["KeyState"] == state
        aliases = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == ALIAS]
        assert len(aliases) == 1
    roles = _aws(site, "iam", REGIONS[0]).list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == [DEFAULT_ROLE_NAME]
    document = roles[0]["AssumeRolePolicyDocument"]
    assert provider_access_allowed(document, DEFAULT_PROVIDER_PRINCIPAL) is trust_allowed


def _check(site: Site, kind: str, step: str, when: str) -> AppContext:
    context = site.context()
    jobs = [j for j in context.database.jobs.all_jobs() if j.kind == kind]
    assert len(jobs) == 1
    job = jobs[0]
    assert job.status is JobStatus.SUCCEEDED, job.error_message
    journal = context.database.jobs.steps(job.id)
    succeeded = [s.step for s in journal if s.status is StepStatus.SUCCEEDED]
    assert succeeded == [s.key for s in STEPS[kind]]  # each step done once, in order
    assert all(s.finished_at is not None for s in journal)  # nothing left open
    if when == "during":
        # The step the crash cut short is closed in the journal and was redone.
        assert [s.step for s in journal if s.status is StepStatus.CANCELLED] == [step]
    return context


@pytest.mark.parametrize(("kind", "step", "when"), _kill_points(PROVISION))
def test_provisioning_killed_anywhere_resumes_without_duplicates(
    site: Site, kind: str, step: str, when: str
) -> None:
    _kill_when(site.main("provision", "--yes", str(site.request_id)), _at(site, kind, step, when))

    _finish(site.main("resume"))

    context = _check(site, kind, step, when)
    try:
        products = context.database.products.on_site("acme")
        assert {p.status for p in products} == {ProductStatus.ACTIVE}
        assert context.database.requests.get(site.request_id).status is (RequestStatus.PROVISIONED)
    finally:
        context.close()
    _assert_aws_once(site, "Enabled", trust_allowed=True)


def _provisioned(site: Site) -> None:
    context = site.context()
    try:
        [job] = submit_request(
            site.request_id,
            context.database.requests,
            context.database.jobs,
            context.credentials,
        )
        assert JobRunner(context.database, context.credentials).run(job.id, "setup").status is (
            JobStatus.SUCCEEDED
        )
    finally:
        context.close()


@pytest.mark.parametrize(
    ("kind", "step", "when"),
    [p for p in _kill_points(REVOKE) if p[2] == "during"],
)
def test_revoke_killed_anywhere_resumes_to_a_full_revocation(
    site: Site, kind: str, step: str, when: str
) -> None:
    _provisioned(site)
    _kill_when(site.main("revoke", "acme", "jira", "--yes"), _at(site, kind, step, when))

    _finish(site.main("resume"))

    context = _check(site, kind, step, when)
    try:
        products = context.database.products.on_site("acme")
        assert {p.status for p in products} == {ProductStatus.SUSPENDED}
        assert context.database.products.access("acme", "jira").revoked_at is not None
    finally:
        context.close()
    _assert_aws_once(site, "Disabled", trust_allowed=False)


@pytest.mark.parametrize(
    ("kind", "step", "when"),
    [p for p in _kill_points(RESTORE) if p[2] == "during" or p[1] in INSTANT_STEPS],
)
def test_restore_killed_anywhere_resumes_to_a_full_restore(
    site: Site, kind: str, step: str, when: str
) -> None:
    _provisioned(site)
    _finish(site.main("revoke", "acme", "jira", "--yes"))
    _kill_when(site.main("restore", "acme", "jira"), _at(site, kind, step, when))

    _finish(site.main("resume"))

    context = _check(site, kind, step, when)
    try:
        products = context.database.products.on_site("acme")
        assert {p.status for p in products} == {ProductStatus.ACTIVE}
        assert context.database.products.access("acme", "jira").revoked_at is None
    finally:
        context.close()
    _assert_aws_once(site, "Enabled", trust_allowed=True)
