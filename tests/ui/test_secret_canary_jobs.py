"""The canary secret through provisioning, health checks, revoke, restore, failed jobs
(with tracebacks in the log), the crash dialog's text and exports: it must surface
nowhere but the keyring."""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.keyring_store import SERVICE
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.health.service import HealthService
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs import runner as runner_module
from byok_desktop.jobs.access import submit_restore, submit_revoke
from byok_desktop.jobs.runner import PROVISION, JobRunner, ProvisioningSettings
from byok_desktop.jobs.submit import submit_request
from byok_desktop.paths import AppPaths
from byok_desktop.products import Product
from byok_desktop.provisioning import steps
from byok_desktop.transfer import export_requests
from tests.helpers.canary import files_containing, record_texts
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring
from ui.qt_logging import install_excepthook

ACCOUNT = "123456789012"


def test_the_secret_stays_in_the_keyring_through_jobs_and_checks(
    paths: AppPaths,
    app_logging: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "CANARY-" + uuid.uuid4().hex
    token = "CANARYTOKEN-" + uuid.uuid4().hex
    needles = [canary.encode(), token.encode()]
    memory = MemoryKeyring()
    texts: list[str] = []
    with mock_aws():
        context = open_context(paths, keyring_backend=memory)
        try:
            service = context.credentials
            profile = service.save(
                None,
                ProfileInput(
                    name="Canary",
                    kind=ProfileKind.KEYS,
                    access_key_id="ASIAIOSFODNN7EXAMPLE",
                    default_region="eu-central-1",
                    session_expires_at=datetime.now(UTC) + timedelta(hours=1),
                ),
                AwsSecret(canary, token),
            )
            service.verify(profile.uid)
            database = context.database
            runner = JobRunner(database, service, ProvisioningSettings(poll_interval_s=0))
            both = frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE})
            request = database.requests.create(ready_draft(aws_account_id=ACCOUNT, products=both))
            jobs = submit_request(request.id, database.requests, database.jobs, service)

            # A bug in the middle of a job: logged with its traceback, job Failed.
            def broken(ctx: steps.StepContext) -> dict[str, str]:
                raise RuntimeError(f"unexpected while using {ctx.connection!r}")

            broken_steps = list(steps.PROVISIONING_STEPS)
            broken_steps[4] = replace(broken_steps[4], run=broken)
            monkeypatch.setitem(runner_module.STEPS, PROVISION, tuple(broken_steps))
            failed = runner.run(jobs[0].id, "canary")
            texts.append(failed.error_message)
            monkeypatch.undo()
            for job in jobs:
                assert runner.run(job.id, "canary").status is JobStatus.SUCCEEDED

            health = HealthService(database, service, lambda: context.settings)
            results = health.check(database.products.provisioned_families())
            assert {r.error for r in results} == {""}
            revoke = submit_revoke(database, service, "acme", "jira")
            assert runner.run(revoke.id, "canary").status is JobStatus.SUCCEEDED
            restore = submit_restore(database, service, "acme", "jira")
            assert runner.run(restore.id, "canary").status is JobStatus.SUCCEEDED

            detail = database.view.detail(database.products.on_site("acme")[0].id)
            texts.extend([repr(detail), repr(database.jobs.all_jobs()), repr(results)])
            for job in database.jobs.all_jobs():
                texts.extend(repr(s) for s in database.jobs.steps(job.id))
            # The crash dialog gets the summary and the traceback the excepthook made.
            monkeypatch.setattr(sys, "excepthook", sys.excepthook)
            install_excepthook(lambda summary, details: texts.extend([summary, details]))
            try:
                raise RuntimeError(f"a crash while holding {service.connect(profile)!r}")
            except RuntimeError as exc:
                sys.excepthook(type(exc), exc, exc.__traceback__)
            assert "a crash while holding" in texts[-1]
            export_requests(database.requests, [request.id], paths.data_dir / "export.json")
            assert canary in memory.store[(SERVICE, f"profile/{profile.uid}")]
        finally:
            context.close()
    assert failed.status is JobStatus.FAILED
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = app_logging.read_text("utf-8")
    assert "Traceback" in log_text  # the bug was logged with its traceback
    assert "failed unexpectedly" in log_text
    assert files_containing(paths.data_dir, needles) == []
    assert [t for t in texts if canary in t or token in t] == []
    logged = [t for t in record_texts(caplog.records) if canary in t or token in t]
    assert logged == []
