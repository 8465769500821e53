"""The sandbox's "Behave like real AWS (slower)" setting: its connections go through one
realistic layer, and a provisioning job through it (moto server mode) succeeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from byok_desktop.aws.realism import Realism
from byok_desktop.aws.sandbox import SandboxServer
from byok_desktop.context import AppContext, open_context
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.jobs.submit import submit_request
from byok_desktop.paths import AppPaths
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.realistic_aws import no_retry_backoff

SANDBOX_ACCOUNT = "123456789012"


@pytest.fixture
def sandbox(paths: AppPaths) -> Iterator[AppContext]:
    context = open_context(paths, sandbox=True, keyring_backend=MemoryKeyring())
    try:
        yield context
    finally:
        context.close()


def test_the_setting_puts_the_sandboxs_layer_into_its_connections(sandbox: AppContext) -> None:
    (profile,) = sandbox.credentials.profiles.list()
    assert sandbox.aws_config(profile).realism is None
    sandbox.settings_service.override(sandbox_realistic_aws=True)
    layer = sandbox.aws_config(profile).realism
    assert layer is not None
    assert sandbox.aws_config(profile).realism is layer  # one simulated AWS
    assert layer.realism == Realism()  # the sandbox's own, slower delays
    connection = sandbox.credentials.connect(profile)
    assert connection.config.realism is layer


def test_a_sandbox_provision_through_the_layer_succeeds(
    sandbox: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_retry_backoff(monkeypatch)
    assert sandbox.sandbox is not None
    sandbox.sandbox = SandboxServer(Realism.quick(principal_delay_s=1.5, replica_creating_s=2.0))
    sandbox.settings_service.override(sandbox_realistic_aws=True)
    (profile,) = sandbox.credentials.profiles.list()
    sandbox.credentials.verify(profile.uid)
    stored = sandbox.database.requests.create(ready_draft(aws_account_id=SANDBOX_ACCOUNT))
    [job] = submit_request(
        stored.id, sandbox.database.requests, sandbox.database.jobs, sandbox.credentials
    )
    layer = sandbox.sandbox.realism()
    layer.throttle_next(2)
    details: list[str] = []
    runner = JobRunner(
        sandbox.database, sandbox.credentials, ProvisioningSettings(poll_interval_s=0)
    )
    finished = runner.run(job.id, "test", lambda j: details.append(j.detail))
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    assert "Waiting for IAM to propagate (0 s)" in details
    assert layer.throttled >= 2
