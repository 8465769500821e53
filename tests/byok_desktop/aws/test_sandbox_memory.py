"""The sandbox remembers: drafts, profiles, provisioned products and their simulated keys
come back after a restart, and "Reset sandbox" starts afresh."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest

from byok_desktop.aws.sandbox_state import STATE_FILE
from byok_desktop.context import (
    SANDBOX_ACCOUNT_ID,
    AppContext,
    open_context,
    request_sandbox_reset,
)
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.service import SANDBOX_ACCESS_KEY_ID
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.submit import submit_request
from byok_desktop.paths import AppPaths
from byok_desktop.product_status import ProductStatus
from byok_desktop.products import Product
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.provisioned import health_check, job_runner

Opener = Callable[[], AppContext]


@pytest.fixture
def reopen(paths: AppPaths) -> Iterator[Opener]:
    """Opens sandbox contexts on one data folder, one keyring: an app started again."""
    keyring = MemoryKeyring()
    opened: list[AppContext] = []

    def open_() -> AppContext:
        context = open_context(paths, sandbox=True, keyring_backend=keyring)
        opened.append(context)
        return context

    yield open_
    for context in opened:
        context.close()


def _kms_key_arn(context: AppContext, key_id: str, region: str) -> str:
    (profile,) = [p for p in context.credentials.profiles.list() if p.name == "Sandbox"]
    config = context.aws_config(profile)
    client = boto3.client(
        "kms",
        region_name=region,
        endpoint_url=config.endpoint_url,
        aws_access_key_id=SANDBOX_ACCESS_KEY_ID,
        aws_secret_access_key="sandbox",
    )
    return str(client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"])


def test_the_built_in_profile_submits_without_verifying_first(reopen: Opener) -> None:
    context = reopen()
    (profile,) = context.credentials.profiles.list()
    assert profile.verification is not None
    assert profile.verification.account_id == SANDBOX_ACCOUNT_ID
    stored = context.database.requests.create(ready_draft(aws_account_id=SANDBOX_ACCOUNT_ID))

    (job,) = submit_request(
        stored.id, context.database.requests, context.database.jobs, context.credentials
    )

    assert job.profile_uid == profile.uid
    assert job.status is JobStatus.QUEUED
    # Submitting checked the profile online before locking (issue 15): against the sandbox's
    # simulated AWS, started for it, with no verify step asked of the rep.
    assert context.sandbox is not None
    assert context.sandbox.endpoint_url.startswith("http://127.0.0.1:")


def test_drafts_products_and_keys_come_back_after_a_restart(
    reopen: Opener, paths: AppPaths
) -> None:
    first = reopen()
    draft = first.database.requests.create(ready_draft(site_name="keepme", notes="draft only"))
    added = first.credentials.save(
        None,
        ProfileInput(
            name="Other account",
            kind=ProfileKind.SANDBOX,
            access_key_id=SANDBOX_ACCESS_KEY_ID,
            expected_account_id="111122223333",
        ),
        None,
    )
    request = first.database.requests.create(
        ready_draft(
            aws_account_id=SANDBOX_ACCOUNT_ID,
            site_name="acme",
            products=frozenset({Product.CONFLUENCE}),
        )
    )
    (job,) = submit_request(
        request.id, first.database.requests, first.database.jobs, first.credentials
    )
    finished = job_runner(first).run(job.id, "test")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    keys = first.database.products.family_keys("acme", "confluence")
    arns = {key.region: _kms_key_arn(first, key.key_id, key.region) for key in keys}
    first.close()
    assert (paths.sandbox_dir / STATE_FILE).exists()

    second = reopen()

    assert second.warnings == []
    assert second.database.requests.get(draft.id).draft.notes == "draft only"
    assert added.uid in [p.uid for p in second.credentials.profiles.list()]
    (product,) = second.database.products.on_site("acme")
    assert product.product is Product.CONFLUENCE
    again = second.database.products.family_keys("acme", "confluence")
    assert {key.region: _kms_key_arn(second, key.key_id, key.region) for key in again} == arns
    result = health_check(second, "acme", "confluence")
    assert result.error == ""
    assert result.status is ProductStatus.ACTIVE


def test_a_reset_asked_for_starts_afresh_and_keeps_the_old_files(
    reopen: Opener, paths: AppPaths
) -> None:
    first = reopen()
    first.database.requests.create(ready_draft(site_name="oldwork"))
    (profile,) = first.credentials.profiles.list()
    first.aws_config(profile)  # starts the simulated AWS: it is saved at close
    first.close()
    request_sandbox_reset(paths)

    second = reopen()

    (notice,) = second.warnings
    assert "starts afresh, as you asked" in notice
    assert second.database.requests.count() == 0
    assert [p.name for p in second.credentials.profiles.list()] == ["Sandbox"]
    kept = sorted(p.name for p in (paths.sandbox_dir / "backups").iterdir())
    assert any(name.endswith(".sqlite3") for name in kept)
    assert any(name.endswith(".aws.pickle") for name in kept)
    assert not (paths.sandbox_dir / STATE_FILE).exists()


def test_the_simulated_aws_is_saved_while_it_runs(
    reopen: Opener, paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash loses little: the state file follows the simulated AWS while it runs."""
    from byok_desktop.aws import sandbox as sandbox_module
    from byok_desktop.aws.sandbox_state import forget_state, restore_state

    monkeypatch.setattr(sandbox_module, "AUTOSAVE_S", 0.05)
    context = reopen()
    (profile,) = context.credentials.profiles.list()
    config = context.aws_config(profile)
    kms = boto3.client(
        "kms",
        region_name="eu-central-1",
        endpoint_url=config.endpoint_url,
        aws_access_key_id=SANDBOX_ACCESS_KEY_ID,
        aws_secret_access_key="sandbox",
    )
    key_id = kms.create_key(Description="made before a crash")["KeyMetadata"]["KeyId"]
    state = paths.sandbox_dir / STATE_FILE
    assert context.sandbox is not None
    while key_id.encode() not in (state.read_bytes() if state.exists() else b""):
        # The next autosave pass (the key may have come after the one under way).
        assert context.sandbox.autosaved.acquire(timeout=10), "the running sandbox was never saved"
    left = paths.data_dir / "left-by-a-crash.pickle"  # the autosave goes on meanwhile
    left.write_bytes(state.read_bytes())

    forget_state()  # what a crash leaves: nothing in memory, the file on disk
    assert restore_state(left)

    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "made before a crash"
