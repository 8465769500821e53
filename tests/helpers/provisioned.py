"""AWS mocked by moto, a site's product family provisioned under it, and the test's own
look at the account. Registered for every test by the root ``conftest.py``.

Fixtures: ``aws`` (moto's mocked AWS, and the test's own clients for its account: they do
not depend on the app's settings or profiles, so a test may point the app at a dead
endpoint, or delete its profile, and still look), ``ctx`` (the app context with AWS
mocked), ``profile`` (a verified KEYS profile for :data:`ACCOUNT`) and ``jira`` (the Jira
family of site ``acme`` provisioned).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from byok_desktop.context import AppContext, open_context
from byok_desktop.credential_profiles import Profile, ProfileInput, ProfileKind
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.health.service import CheckResult, HealthService
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.runner import JobRunner, ProvisioningSettings
from byok_desktop.jobs.submit import submit_request
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.product_records import ProductRecord
from byok_desktop.products import Product
from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.policies import provider_access_allowed
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring

ACCOUNT = "123456789012"  # moto's default account
EU_REGIONS = ("eu-central-1", "eu-west-1")  # the EU location: primary, replica
JIRA_PRODUCTS = frozenset({Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT})


_LOADER: list[botocore.loaders.Loader] = []


@contextmanager
def moto_context(data_dir: Path) -> Iterator[AppContext]:
    """An app context under ``mock_aws`` with a verified profile for :data:`ACCOUNT`, for
    a test that must set things up before the context opens (the ``ctx`` fixture opens
    it at once)."""
    with mock_aws():
        context = open_context(resolve_paths(data_dir), keyring_backend=MemoryKeyring())
        try:
            add_verified_profile(context)
            yield context
        finally:
            context.close()


def share_botocore_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """One botocore data loader for every session made until monkeypatch undoes it.

    The app opens a new boto3 session per connection, and each would parse botocore's
    endpoint and service-model JSON again: most of a moto test's time. The shared loader
    (one per test process) parses each file once and hands out the same dicts, as one
    session's loader does for all its clients already.
    """
    if not _LOADER:
        _LOADER.append(botocore.loaders.create_loader())
    loader = _LOADER[0]

    def register(session: Any) -> None:
        session._components.lazy_register_component("data_loader", lambda: loader)

    monkeypatch.setattr(botocore.session.Session, "_register_data_loader", register)


def add_verified_profile(
    ctx: AppContext, name: str = "acme", region: str = "eu-central-1"
) -> Profile:
    """A KEYS profile for :data:`ACCOUNT`, saved and verified (under moto)."""
    profile = ctx.credentials.save(
        None,
        ProfileInput(
            name=name,
            kind=ProfileKind.KEYS,
            access_key_id="AKIAIOSFODNN7EXAMPLE",
            default_region=region,
        ),
        AwsSecret("secret-value"),
    )
    verified, _identity = ctx.credentials.verify(profile.uid)
    return verified


def job_runner(ctx: AppContext, restore_window_days: int = 15) -> JobRunner:
    return JobRunner(
        ctx.database,
        ctx.credentials,
        ProvisioningSettings(poll_interval_s=0, restore_window_days=restore_window_days),
    )


@dataclass(frozen=True, slots=True)
class Provisioned:
    """A site's product family whose provisioning job succeeded."""

    site: str
    family: str
    request_id: int
    job_id: int
    key_id: str  # a multi-Region key: the same ID in both regions


def submit(
    ctx: AppContext,
    site: str = "acme",
    products: frozenset[Product] = JIRA_PRODUCTS,
    location: Location = Location.EU,
) -> list[int]:
    """Create a Ready request and submit it; the IDs of its (queued) jobs."""
    stored = ctx.database.requests.create(
        ready_draft(aws_account_id=ACCOUNT, site_name=site, products=products, location=location)
    )
    jobs = submit_request(stored.id, ctx.database.requests, ctx.database.jobs, ctx.credentials)
    return [job.id for job in jobs]


def provision(
    ctx: AppContext,
    site: str = "acme",
    products: frozenset[Product] = JIRA_PRODUCTS,
    location: Location = Location.EU,
) -> Provisioned:
    """Submit a one-family request for ``site`` and run its job to success."""
    [job_id] = submit(ctx, site, products, location)
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
    job = ctx.database.jobs.get(job_id)
    keys = ctx.database.products.family_keys(site, job.family)
    assert len(keys) == 2
    assert job.request_id is not None
    return Provisioned(site, job.family, job.request_id, job_id, keys[0].key_id)


def family_of(ctx: AppContext, site: str, family: str) -> list[ProductRecord]:
    return [p for p in ctx.database.products.on_site(site) if p.family.value == family]


def health_check(ctx: AppContext, site: str, family: str) -> CheckResult:
    service = HealthService(ctx.database, ctx.credentials, lambda: ctx.settings)
    [result] = service.check([(site, family)])
    return result


class Account:
    """The test's own AWS clients for :data:`ACCOUNT`, outside the app (under mock_aws)."""

    def __init__(self) -> None:
        self._kms: dict[str, Any] = {}
        self._iam: Any = None

    def kms(self, region: str) -> Any:
        if region not in self._kms:
            self._kms[region] = boto3.client(
                "kms",
                region_name=region,
                aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                aws_secret_access_key="secret-value",
            )
        return self._kms[region]

    @property
    def iam(self) -> Any:
        if self._iam is None:
            self._iam = boto3.client(
                "iam",
                region_name="us-east-1",
                aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                aws_secret_access_key="secret-value",
            )
        return self._iam

    def key_state(self, key_id: str, region: str) -> str:
        return str(self.kms(region).describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"])

    def key_states(self, key_id: str) -> tuple[str, str]:
        primary, replica = EU_REGIONS
        return self.key_state(key_id, primary), self.key_state(key_id, replica)

    def trust_document(self, role_name: str = DEFAULT_ROLE_NAME) -> dict[str, Any]:
        document = self.iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        return dict(document)

    def provider_allowed(self, role_name: str = DEFAULT_ROLE_NAME) -> bool | None:
        return provider_access_allowed(self.trust_document(role_name), DEFAULT_PROVIDER_PRINCIPAL)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[Account]:
    """moto's mocked AWS for the test, and the test's own clients for :data:`ACCOUNT`."""
    with mock_aws():
        yield Account()


@pytest.fixture
def ctx(aws: Account, context: AppContext, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """The app context with AWS mocked by moto (opened inside ``aws``, closed before it)."""
    share_botocore_data(monkeypatch)
    return context


@pytest.fixture
def profile(ctx: AppContext) -> Profile:
    """A verified KEYS profile named ``acme`` for :data:`ACCOUNT`."""
    return add_verified_profile(ctx)


@pytest.fixture
def jira(ctx: AppContext, profile: Profile) -> Provisioned:
    """Site ``acme``'s Jira family, provisioned in the EU."""
    return provision(ctx, "acme", JIRA_PRODUCTS)
