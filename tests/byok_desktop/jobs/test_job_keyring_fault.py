"""A job whose keyring fails as it starts (locked since the request was submitted) ends
Failed with the keyring's sentence and fault ``keyring``, not as an unexpected error; it
resumes once the keyring answers again."""

from __future__ import annotations

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.keyring_store import SecretStore
from byok_desktop.exit_codes import ExitCode, for_job_fault
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.runner import KEYRING_FAULT
from tests.helpers.fault_keyrings import LockedKeyring
from tests.helpers.provisioned import job_runner, submit


def test_a_locked_keyring_fails_the_job_resumably(ctx: AppContext, profile: Profile) -> None:
    [job_id] = submit(ctx)
    working = ctx.credentials.secrets
    locked = SecretStore(5.0, LockedKeyring())
    ctx.credentials.secrets = locked
    try:
        failed = job_runner(ctx).run(job_id, "test")
    finally:
        ctx.credentials.secrets = working
        locked.close()

    assert failed.status is JobStatus.FAILED
    assert failed.error_fault == KEYRING_FAULT
    assert failed.error_message.startswith("The OS keyring is locked.")
    assert "Unexpected error" not in failed.error_message
    assert for_job_fault(failed.error_fault) is ExitCode.ENVIRONMENT
    assert failed.status.resumable

    resumed = job_runner(ctx).run(job_id, "test")
    assert resumed.status is JobStatus.SUCCEEDED, resumed.error_message
