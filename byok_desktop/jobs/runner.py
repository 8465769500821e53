"""Run a job step by step, journaling each step; resumable from the last completed step
after a failure, a cancel or a crash. Blocking: call from a worker.

Four kinds of job share this: provisioning a product family's keys, adding a product
to a family already BYOK on the site (its key is checked, nothing is created), revoking
the key provider's access to them, and restoring it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.service import CredentialService
from byok_desktop.job_records import Job, JobStatus, StepStatus
from byok_desktop.jobs.customer_role import customer_role_of_request
from byok_desktop.locations import Location
from byok_desktop.products import Product, ProductFamily, sorted_products
from byok_desktop.provisioning.access_steps import RESTORE_STEPS, REVOKE_STEPS
from byok_desktop.provisioning.family_key_check import ADD_PRODUCT_STEPS
from byok_desktop.provisioning.naming import (
    DEFAULT_PROVIDER_PRINCIPAL,
    DEFAULT_ROLE_NAME,
    KeyTarget,
)
from byok_desktop.provisioning.steps import PROVISIONING_STEPS, Cancelled, Step, StepContext
from byok_desktop.settings import Settings
from byok_desktop.store.database import Database

log = logging.getLogger("byok_desktop.jobs")

PROVISION = "provision"
ADD_PRODUCT = "add-product"  # a product of a family already BYOK on the site
REVOKE = "revoke"
RESTORE = "restore"
# The kinds that turn a request's products into BYOK products.
FROM_REQUEST = (PROVISION, ADD_PRODUCT)
KEYRING_FAULT = "keyring"  # a job's error_fault when the keyring failed it
STEPS: dict[str, tuple[Step, ...]] = {
    PROVISION: PROVISIONING_STEPS,
    ADD_PRODUCT: ADD_PRODUCT_STEPS,
    REVOKE: REVOKE_STEPS,
    RESTORE: RESTORE_STEPS,
}
# What each step does, by its key, for screens that show a job's progress or history.
STEP_TITLES: dict[str, str] = {s.key: s.title for steps in STEPS.values() for s in steps}
Progress = Callable[[Job], None]


@dataclass(frozen=True, slots=True)
class ProvisioningSettings:
    role_name: str = DEFAULT_ROLE_NAME
    provider_principal: str = DEFAULT_PROVIDER_PRINCIPAL
    consistency_wait_s: float = 120.0  # the longest wait for AWS to catch up
    poll_interval_s: float = 2.0
    restore_window_days: int = 15

    @classmethod
    def from_settings(cls, settings: Settings) -> ProvisioningSettings:
        return cls(
            role_name=settings.role_name,
            provider_principal=settings.provider_principal,
            restore_window_days=settings.restore_window_days,
            consistency_wait_s=settings.aws_consistency_wait_s,
        )


class JobRunner:
    def __init__(
        self,
        database: Database,
        credentials: CredentialService,
        settings: ProvisioningSettings | Callable[[], Settings] | None = None,
    ) -> None:
        """``settings``: fixed ones, or where to take a snapshot of the settings in force
        as each job starts (a job keeps its snapshot whatever is saved meanwhile)."""
        self._database = database
        self.jobs = database.jobs
        self.requests = database.requests
        self.products = database.products
        self.credentials = credentials
        self._settings = settings or ProvisioningSettings()
        # Set when the app quits: running jobs stop at their next step boundary (or in a
        # wait) and are left Running for the next start to mark Interrupted; unlike a
        # user's cancel, nothing is marked Cancelled.
        self.stopping = threading.Event()

    def snapshot(self) -> ProvisioningSettings:
        """The settings a job starting now runs with."""
        if isinstance(self._settings, ProvisioningSettings):
            return self._settings
        return ProvisioningSettings.from_settings(self._settings())

    def run(self, job_id: int, owner: str, on_progress: Progress | None = None) -> Job:
        job = self.jobs.claim(job_id, owner)
        settings = self.snapshot()  # this job's, whatever is saved while it runs
        notify = on_progress or (lambda _job: None)
        self._started(job)
        notify(job)
        step_id: int | None = None
        try:
            ctx = self._context(job, settings)
            ctx.report = lambda text: notify(replace(self.jobs.get(job_id), detail=text))
            done, resources = self.jobs.completed(job_id)
            ctx.resources.update(resources)
            for step in STEPS[job.kind]:
                if step.key in done:
                    continue
                if self.stopping.is_set():
                    return self._left_for_next_start(job_id, None)
                # Cancel is checked as the step starts: between steps, never inside one.
                started = self.jobs.step_started(job_id, step.key)
                if started.step_id is None:
                    raise Cancelled()
                step_id = started.step_id
                notify(started.job)
                established = step.run(ctx)
                ctx.resources.update(established)
                done_job = self.jobs.step_finished(step_id, established)
                step_id = None
                notify(done_job)
            self._succeeded(job, ctx, settings)
            finished = self.jobs.finish(job_id, JobStatus.SUCCEEDED)
        except Cancelled:
            if self.stopping.is_set() and not self.jobs.cancel_requested(job_id):
                return self._left_for_next_start(job_id, step_id)
            if step_id is not None:
                self.jobs.step_failed(step_id, StepStatus.CANCELLED, "", "cancelled")
            message = "Cancelled; resume to continue where it stopped."
            finished = self.jobs.finish(job_id, JobStatus.CANCELLED, "", message)
            self._stopped(job, message)
        except AwsProblem as exc:
            if step_id is not None:
                self.jobs.step_failed(step_id, StepStatus.FAILED, exc.fault.value, str(exc))
            finished = self.jobs.finish(job_id, JobStatus.FAILED, exc.fault.value, str(exc))
            self._stopped(job, str(exc))
            log.warning("Job %s failed: %s", job_id, exc)
        except KeyringProblem as exc:  # the environment, not a bug: resumable once fixed
            if step_id is not None:
                self.jobs.step_failed(step_id, StepStatus.FAILED, KEYRING_FAULT, str(exc))
            finished = self.jobs.finish(job_id, JobStatus.FAILED, KEYRING_FAULT, str(exc))
            self._stopped(job, str(exc))
            log.warning("Job %s failed: %s", job_id, exc)
        except Exception as exc:  # a bug: keep the journal, tell the user, log the traceback
            log.exception("Job %s failed unexpectedly", job_id)
            message = f"Unexpected error ({type(exc).__name__}); details are in the log."
            if step_id is not None:
                self.jobs.step_failed(step_id, StepStatus.FAILED, "bug", message)
            finished = self.jobs.finish(job_id, JobStatus.FAILED, "bug", message)
            self._stopped(job, message)
        notify(finished)
        return finished

    def _left_for_next_start(self, job_id: int, step_id: int | None) -> Job:
        """The app is quitting: stop here, the job still Running (resumable); its owner
        is gone at the next start, which marks it Interrupted."""
        if step_id is not None:
            self.jobs.step_failed(step_id, StepStatus.CANCELLED, "", "the app closed")
        log.info("Job %s stopped for the app's quit; it resumes later", job_id)
        return self.jobs.get(job_id)

    def _context(self, job: Job, settings: ProvisioningSettings) -> StepContext:
        request_uid = ""
        if job.request_id is not None:
            request_uid = self.requests.get(job.request_id).draft.uid
        elif job.kind in FROM_REQUEST:
            raise AwsProblem(AwsFault.OTHER, "The job has no request to provision.")
        profile = self.credentials.profiles.get(job.profile_uid)
        ctx = StepContext(
            connection=self.credentials.connect_as(
                profile,
                job.account_id,
                customer_role_of_request(self._database, job.request_id, profile),
            ),
            target=KeyTarget(
                job.site_key, ProductFamily(job.family), Location(job.location), request_uid
            ),
            account_id=job.account_id,
            profile_name=profile.name,
            role_name=settings.role_name,
            provider_principal=settings.provider_principal,
            consistency_wait_s=settings.consistency_wait_s,
            poll_interval_s=settings.poll_interval_s,
            cancelled=lambda: self.stopping.is_set() or self.jobs.cancel_requested(job.id),
        )
        if job.kind == ADD_PRODUCT:
            # The family's key as recorded; the check itself asks AWS (its alias) first.
            for key in self.products.family_keys(job.site_key, job.family):
                ctx.resources.setdefault("key_id", key.key_id)
        elif job.kind != PROVISION:
            keys = self.products.family_keys(job.site_key, job.family)
            if not keys:
                raise AwsProblem(
                    AwsFault.NOT_FOUND,
                    f"No keys are recorded for {job.site_key} ({job.family}); nothing to "
                    f"{job.kind}.",
                )
            ctx.resources["key_id"] = keys[0].key_id
            for key in keys:
                ctx.resources[f"key_arn:{key.region}"] = key.key_arn
            ctx.restore_until = self.products.access(job.site_key, job.family).restore_until
        return ctx

    # --- what each kind of job means for the products ------------------------------------

    def _started(self, job: Job) -> None:
        if job.kind in FROM_REQUEST:
            self.products.provisioning_started(job.site_key, job.family)
        elif job.kind == RESTORE:
            self.products.restore_started(job.site_key, job.family)

    def _stopped(self, job: Job, reason: str) -> None:
        if job.kind in FROM_REQUEST:
            self.products.provisioning_failed(job.site_key, job.family, reason)
        elif job.kind == RESTORE:
            self.products.restore_stopped(job.site_key, job.family, reason)
        else:
            self.products.add_event(job.site_key, job.family, job.kind, f"Stopped: {reason}")

    def _succeeded(self, job: Job, ctx: StepContext, settings: ProvisioningSettings) -> None:
        now = datetime.now(UTC)
        if job.kind == REVOKE:
            until = now + timedelta(days=settings.restore_window_days)
            self.products.access_revoked(job.site_key, job.family, now, until)
        elif job.kind == RESTORE:
            self.products.access_restored(job.site_key, job.family, now)
        else:
            self._record_provisioned(job, ctx)

    def _record_provisioned(self, job: Job, ctx: StepContext) -> None:
        assert job.request_id is not None
        request = self.requests.get(job.request_id)
        family = ProductFamily(job.family)
        products: list[Product] = [p for p in request.draft.products if p.family is family]
        arns = {k.split(":", 1)[1]: v for k, v in ctx.resources.items() if k.startswith("key_arn:")}
        # An added product uses the family's key: it is recorded already (by its own job).
        if job.kind == PROVISION or not self.products.family_keys(job.site_key, job.family):
            self.jobs.record_keys(
                job.id, job.site_key, job.family, ctx.resources["key_id"], ctx.target.alias, arns
            )
        # Jobs submitted before products were recorded at submission add them now.
        existing = self.requests.products_on_site(job.site_key)
        for product in products:
            if product not in existing:
                self.requests.record_product(
                    job.site_key, product, Location(job.location), job.request_id
                )
        location = Location(job.location)
        states = [ctx.resources.get(f"state:{region.code}", "") for region in location.regions]
        added = (
            f"Added {', '.join(p.display_name for p in sorted_products(products))} "
            f"under the family's existing key: keys {states[0]} and {states[1]}"
            if job.kind == ADD_PRODUCT
            else ""
        )
        self.products.provisioning_succeeded(
            job.site_key, job.family, (states[0], states[1]), message=added
        )
        self.requests.update_lifecycle(job.request_id)
