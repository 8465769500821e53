"""Which role a request's jobs assume in the customer's account, and with what."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.aws.identity import caller_identity, require_account
from byok_desktop.aws.role_chain import CustomerRole, rep_name, session_name
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.service import CredentialService
from byok_desktop.provisioning.policies import byok_regions
from byok_desktop.provisioning.preflight import PreflightResult, preflight_problem, run_preflight
from byok_desktop.request import RequestDraft
from byok_desktop.settings import Settings
from byok_desktop.store.database import Database

log = logging.getLogger("byok_desktop.jobs")


class CannotSubmit(ValueError):
    """A request that cannot be provisioned (yet): the message says why and what to do."""


class ProfileCheckFailed(CannotSubmit):
    """The profile could not be used: its secret (the keyring) or AWS (its account, or
    the customer's role refused it). ``cause`` tells which, for the exit code; the
    request was left as it was."""

    def __init__(self, cause: AwsProblem | KeyringProblem) -> None:
        super().__init__(f"{cause} The request was left as it was; nothing was submitted.")
        self.cause = cause


def customer_role(database: Database, draft: RequestDraft, profile: Profile) -> CustomerRole | None:
    """None when the request names no role (the profile opens the account itself)."""
    arn = draft.customer_role_arn.strip()
    if not arn:
        return None
    return CustomerRole(
        role_arn=arn,
        external_id=database.external_ids.for_account(draft.aws_account_id),
        session_name=session_name(rep_name(profile.name), draft.uid),
    )


def customer_role_of_request(
    database: Database, request_id: int | None, profile: Profile
) -> CustomerRole | None:
    if request_id is None:
        return None
    return customer_role(database, database.requests.get(request_id).draft, profile)


def preflight_request(
    database: Database,
    credentials: CredentialService,
    draft: RequestDraft,
    profile: Profile,
    settings: Settings,
) -> PreflightResult:
    """Assume the request's customer role from ``profile`` and check it (online)."""
    role = customer_role(database, draft, profile)
    if role is None:
        result = PreflightResult(
            notes=["the request names no customer role, so permissions are not checked"]
        )
        try:
            require_account(
                caller_identity(credentials.connect(profile)), draft.aws_account_id, profile.name
            )
        except AwsProblem as exc:
            result.missing.append(str(exc))
        else:
            result.checked.append(f"'{profile.name}' opens account {draft.aws_account_id}")
        return result
    try:
        rep = caller_identity(credentials.connect(profile))
        connection = credentials.connect_as(profile, draft.aws_account_id, role)
    except AwsProblem as exc:
        return preflight_problem(exc)
    regions = [r.code for r in draft.location.regions] if draft.location else byok_regions()
    return run_preflight(
        connection,
        role,
        rep.account_id,
        role_name=settings.role_name,
        provider_principal=settings.provider_principal,
        regions=regions,
    )


def submit_preflight(
    database: Database, credentials: CredentialService, settings: Settings
) -> Callable[[RequestDraft, Profile], None]:
    """The check ``submit_request`` runs before it locks the request: a request that
    names a customer role is refused while its preflight finds something missing."""

    def check(draft: RequestDraft, profile: Profile) -> None:
        if not draft.customer_role_arn.strip():
            return  # older set-ups: the profile opens the account; the job checks it
        try:
            result = preflight_request(database, credentials, draft, profile, settings)
        except AwsProblem as exc:  # AWS failed the check itself: nothing was locked
            raise CannotSubmit(f"The customer's account could not be checked: {exc}") from exc
        for note in result.notes:
            log.info("Preflight of %s: %s", draft.uid, note)
        if result.stopped_by is not None:  # AWS refused the role itself: an AWS fault
            raise ProfileCheckFailed(result.stopped_by)
        if not result.ok:
            raise CannotSubmit(result.summary())

    return check


class CustomerKit:
    """What the request editor needs for the customer's side: the account's ExternalId
    and the setup kit export. Every method may block (database, files): call them from
    a worker."""

    def __init__(
        self,
        database: Database,
        credentials: CredentialService,
        settings: Callable[[], Settings],
    ) -> None:
        self._database = database
        self._credentials = credentials
        self._settings = settings

    def external_id(self, account_id: str) -> str:
        return self._database.external_ids.for_account(account_id)

    def export(
        self, draft: RequestDraft, folder: Path, profile_name: str | None = None
    ) -> list[Path]:
        """Write the setup kit of ``draft`` into ``folder``; the provisioning role trusts
        the account the rep's own verified profile opens."""
        from byok_desktop.provisioning.setup_kit import KitInput, write_kit

        profile = self._credentials.rep_profile(profile_name)
        if profile.verification is None:
            raise AwsProblem(
                AwsFault.MISSING_CREDENTIALS,
                f"'{profile.name}' is not verified, so the account the customer's role must "
                "trust is unknown. Verify it under Credentials first.",
            )
        settings = self._settings()
        kit = KitInput(
            account_id=draft.aws_account_id.strip(),
            site=draft.site_name.strip() or "(no site)",
            request_uid=draft.uid,
            rep_account_id=profile.verification.account_id,
            external_id=self.external_id(draft.aws_account_id.strip()),
            role_name=settings.role_name,
            provider_principal=settings.provider_principal,
        )
        return write_kit(kit, folder)
