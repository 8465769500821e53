"""Crash while waiting for AWS: the SIGKILL matrix's kill points inside an
eventual-consistency wait (a role just created that KMS does not see yet, a replica still
Creating), made by the realistic AWS layer in the killed process. The next process resumes:
one key, one replica, one alias per region, one role; the products Active."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.job_records import StepStatus
from byok_desktop.jobs.runner import PROVISION
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.product_status import ProductStatus
from tests.faults.test_sigkill import (
    LATENCY_S,
    ROOT,
    Site,
    _assert_aws_once,
    _check,
    _finish,
    _kill_when,
    make_site,
)
from tests.helpers.moto_server import SlowMotoServer

DELAY_S = 6.0  # long enough to land a kill inside the wait; the resumed run waits none


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    slow = SlowMotoServer(LATENCY_S)
    slow.start()
    yield slow
    slow.stop()


@pytest.fixture
def site(server: SlowMotoServer, tmp_path: Path) -> Site:
    server.reset()
    return make_site(server, tmp_path / "data")


def _realistic(site: Site, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.faults.realistic_main",
            str(DELAY_S),
            "--data-dir",
            str(site.paths.data_dir),
            "--aws-endpoint-url",
            site.url,
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(
    ("step", "awaited"),
    [("primary_key", "Waiting for IAM to propagate"), ("wait", "Waiting for the replica")],
)
def test_killed_while_waiting_for_aws_resumes_without_duplicates(
    site: Site,
    step: str,
    awaited: str,
) -> None:
    log = site.paths.log_dir / LOG_FILE

    def waiting() -> bool:
        running = (step, StepStatus.RUNNING.value) in site.journal(PROVISION)
        return running and log.exists() and awaited in log.read_text("utf-8", "replace")

    _kill_when(_realistic(site, "provision", "--yes", str(site.request_id)), waiting)

    _finish(_realistic(site, "resume"))

    context = _check(site, PROVISION, step, "during")
    try:
        products = context.database.products.on_site("acme")
        assert {p.status for p in products} == {ProductStatus.ACTIVE}
    finally:
        context.close()
    _assert_aws_once(site, "Enabled", trust_allowed=True)
