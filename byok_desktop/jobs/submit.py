"""Turning a Ready request into provisioning jobs, refusing before any AWS call when the
request cannot be provisioned, and checking the profile (its secret from the keyring, its
account from STS) before anything is locked or created."""

from __future__ import annotations

from collections.abc import Callable

from byok_desktop.aws.errors import AwsFault, AwsProblem
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.keyring_store import KeyringProblem
from byok_desktop.credentials.service import CredentialService
from byok_desktop.job_records import Job
from byok_desktop.jobs.customer_role import CannotSubmit, ProfileCheckFailed
from byok_desktop.jobs.owner import this_owner
from byok_desktop.jobs.runner import ADD_PRODUCT, PROVISION, STEPS
from byok_desktop.request import RequestDraft, RequestStatus
from byok_desktop.request_records import RequestLocked, SubmittedElsewhere, VersionConflict
from byok_desktop.store.jobs import JobStore, new_job_row
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import site_key
from byok_desktop.wording import counted

__all__ = ["CannotSubmit", "ProfileCheckFailed", "submit_request"]


def submit_request(
    request_id: int,
    requests: RequestStore,
    jobs: JobStore,
    credentials: CredentialService,
    owner: str | None = None,
    *,
    profile_name: str | None = None,
    preflight: Callable[[RequestDraft, Profile], None] | None = None,
) -> list[Job]:
    """One job per product family of the request (the Jira family shares one key).
    ``owner``: the process whose workers will run the jobs (default: this one);
    ``profile_name``: the rep's profile to use (default: chosen as
    ``CredentialService.profile_for_request`` says); ``preflight``: checks the customer's
    account before the request is locked, raising ``CannotSubmit`` to stop."""
    stored = requests.get(request_id)
    draft = stored.draft
    if stored.status.locked:
        raise CannotSubmit(
            f"Request #{request_id} is already {stored.status.display_name}; its jobs are on "
            "the Jobs screen."
        )
    result = requests.validate(draft, request_id)
    if result.status is not RequestStatus.READY:
        raise CannotSubmit(
            f"Request #{request_id} is not Ready: fix its {counted(result.problem_count, 'problem')} first."
        )
    assert draft.location is not None
    key = site_key(draft.site_name)
    pinned = requests.site_location(key)
    if pinned is not None and pinned is not draft.location:
        raise CannotSubmit(
            f"'{key}' is pinned to {pinned.display_name}; this request asks for "
            f"{draft.location.display_name}. Data can never move between locations."
        )
    open_jobs = [j for j in jobs.all_jobs() if j.request_id == request_id and j.status.open]
    if open_jobs:
        raise CannotSubmit(
            f"Request #{request_id} already has {'a job' if len(open_jobs) == 1 else 'jobs'} "
            f"{', '.join(f'#{j.id}' for j in open_jobs)}"
            "; resume or retry them on the Jobs screen."
        )
    try:
        profile = credentials.profile_for_request(
            draft.aws_account_id, draft.customer_role_arn, profile_name
        )
    except AwsProblem as exc:
        if draft.customer_role_arn.strip() or profile_name:
            raise CannotSubmit(str(exc)) from exc
        # A profile meant for this account but not verified yet: verify it now (online).
        candidates = [
            p
            for p in credentials.profiles.list()
            if p.expected_account_id == draft.aws_account_id and p.verification is None
        ]
        if not candidates:
            raise ProfileCheckFailed(exc) from exc
        try:
            profile, _identity = credentials.verify(candidates[0].uid)
        except (AwsProblem, KeyringProblem) as verify_exc:
            raise ProfileCheckFailed(verify_exc) from verify_exc
    if profile.expired():
        raise ProfileCheckFailed(
            AwsProblem(AwsFault.EXPIRED_CREDENTIALS, f"The session of '{profile.name}' expired.")
        )
    try:
        # Online, before the request is locked: a keyring that is locked or gone, or a
        # profile that now opens another account, leaves the request Ready.
        role = draft.customer_role_arn.strip()
        credentials.check_can_provision(profile.uid, None if role else draft.aws_account_id)
    except (AwsProblem, KeyringProblem) as exc:
        raise ProfileCheckFailed(exc) from exc
    if preflight is not None:
        preflight(draft, profile)  # before the request is locked: nothing to undo
    # A family already BYOK on the site has its key: its new product is only checked.
    byok_families = {p.family for p in requests.products_on_site(key)}
    kinds = {f: ADD_PRODUCT if f in byok_families else PROVISION for f in draft.families}
    rows = [
        new_job_row(
            kind=kinds[family],
            request_id=request_id,
            profile_uid=profile.uid,
            site_key=key,
            family=family.value,
            location=draft.location.value,
            account_id=draft.aws_account_id,
            steps_total=len(STEPS[kinds[family]]),
            owner=this_owner() if owner is None else owner,
        )
        for family in sorted(draft.families, key=lambda f: f.value)
    ]
    try:
        ids = requests.submit(request_id, stored.version, rows)
    except SubmittedElsewhere as exc:
        raise CannotSubmit(str(exc)) from exc
    except (VersionConflict, RequestLocked) as exc:
        if requests.get(request_id).status.locked:  # submitted by another process meanwhile
            raise CannotSubmit(str(SubmittedElsewhere(request_id))) from exc
        raise CannotSubmit(f"{exc} Nothing was submitted.") from exc
    return [jobs.get(job_id) for job_id in ids]
