"""Check the health of product families against AWS and store what was seen. Blocking:
call from a worker. Families of one account share one AWS connection per run."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsProblem
from byok_desktop.credentials.service import CredentialService
from byok_desktop.findings import FamilyFinding, KeyHealth, RegionFinding
from byok_desktop.health.checker import check_family
from byok_desktop.jobs.customer_role import customer_role
from byok_desktop.locations import Region
from byok_desktop.product_status import ProductStatus
from byok_desktop.settings import Settings
from byok_desktop.store.database import Database

log = logging.getLogger("byok_desktop.health")


UNANSWERED = "unanswered"  # CheckResult.fault: AWS answered part of the check only


@dataclass(frozen=True, slots=True)
class CheckResult:
    site_key: str
    family: str
    status: ProductStatus
    error: str  # "" when AWS answered everything
    fault: str = ""  # AwsFault's value (or UNANSWERED): AWS could not be asked or refused


class HealthService:
    def __init__(
        self,
        database: Database,
        credentials: CredentialService,
        settings: Callable[[], Settings],
    ) -> None:
        self._database = database
        self._credentials = credentials
        self._settings = settings

    def check(
        self,
        families: Iterable[tuple[str, str]],
        on_result: Callable[[CheckResult], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[CheckResult]:
        settings = self._settings()
        connections: dict[str, AwsConnection | AwsProblem] = {}
        results = []
        for site_key, family in families:
            if cancelled():
                break
            result = self._check_one(site_key, family, settings, connections)
            results.append(result)
            if on_result is not None:
                on_result(result)
        return results

    def _check_one(
        self,
        site_key: str,
        family: str,
        settings: Settings,
        connections: dict[str, AwsConnection | AwsProblem],
    ) -> CheckResult:
        products = [
            p for p in self._database.products.on_site(site_key) if p.family.value == family
        ]
        if not products:  # gone since the run began (e.g. a withdrawn request)
            return CheckResult(site_key, family, ProductStatus.PROVISIONING, "no products")
        if not any(p.status.provisioned for p in products):
            # Its keys may not exist yet: a check now would only record a false alarm.
            return CheckResult(site_key, family, products[0].status, "")
        location = products[0].location
        account = self._database.view.account_of(site_key, family)
        connection = connections.get(account)
        if connection is None:
            try:
                request_id = products[0].request_id
                draft = self._database.requests.get(request_id).draft if request_id else None
                role_arn = draft.customer_role_arn if draft is not None else ""
                profile = self._credentials.profile_for_request(account, role_arn)
                role = customer_role(self._database, draft, profile) if draft else None
                connection = self._credentials.connect_as(profile, account, role)
            except AwsProblem as exc:
                connection = exc
            connections[account] = connection
        fault = ""
        if isinstance(connection, AwsProblem):
            finding = _unknown(location.regions, str(connection))
            fault = connection.fault.value
        else:
            try:
                finding = check_family(
                    connection,
                    site_key,
                    family,
                    location,
                    self._database.products.family_keys(site_key, family),
                    settings.role_name,
                    settings.provider_principal,
                )
            except AwsProblem as exc:
                finding = _unknown(location.regions, str(exc))
                fault = exc.fault.value
        if finding.error and not fault:
            fault = UNANSWERED  # a region or the trust policy could not be read
        status = self._database.products.record_finding(site_key, family, finding)
        log.info("Health of %s/%s: %s %s", site_key, family, status.value, finding.error)
        return CheckResult(site_key, family, status, finding.error, fault)


def _unknown(regions: Iterable[Region], error: str) -> FamilyFinding:
    return FamilyFinding(
        checked_at=datetime.now(UTC),
        regions=tuple(RegionFinding(r.code, KeyHealth.UNKNOWN, "", error) for r in regions),
        trust_allowed=None,
        rotation_enabled=None,
        error=error,
    )
