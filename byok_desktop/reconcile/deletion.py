"""The one change reconcile makes in AWS, and only when a person asks and types the key's
ID: scheduling the deletion of a key the app made that no product uses."""

from __future__ import annotations

import logging

from byok_desktop.aws.errors import classify
from byok_desktop.aws.identity import caller_identity
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.service import CredentialService
from byok_desktop.provisioning.naming import KEY_PREFIX
from byok_desktop.reconcile.aws_view import aliases
from byok_desktop.reconcile.differences import Plan

log = logging.getLogger("byok_desktop.reconcile")

DELETION_WINDOW_DAYS = 30  # a human's choice: AWS's longest window, cancellable throughout


class NotDeleted(ValueError):
    """An unused key's deletion was refused before anything was asked of AWS."""


def schedule_deletion(
    credentials: CredentialService,
    profile: Profile,
    plan_: Plan,
    key_id: str,
    typed: str,
) -> list[str]:
    """Schedule the deletion of a key ``plan_`` reported unused, in every region it is in
    (replicas before the primary), with a 30-day window. Only when ``typed`` is exactly
    ``key_id``, and only after AWS shows again that no alias of the app points at it.
    Returns the regions. Never called by :func:`apply`: a person asks for it."""
    if typed != key_id:
        raise NotDeleted(f"Type the key ID {key_id} exactly to confirm its deletion.")
    key = next((k for k in plan_.unused if k.key_id == key_id), None)
    if key is None:
        raise NotDeleted(
            f"{key_id} is not a key this app made that no product uses; only those can be "
            "scheduled for deletion here."
        )
    connection = credentials.connect(profile)
    if caller_identity(connection).account_id != plan_.account_id:
        raise NotDeleted(f"'{profile.name}' no longer opens account {plan_.account_id}.")
    alias = f"alias/{KEY_PREFIX}-{key.site}-{key.family.value}"
    if aliases(connection, key.location.regions[0].code).get(alias) == key_id:
        raise NotDeleted(f"{alias} points at {key_id} now: it is in use. Read AWS again.")
    primary = key.location.regions[0].code
    regions = sorted(key.arns, key=lambda region: region == primary)  # replicas first
    for region in regions:
        kms = connection.client("kms", region)
        try:
            kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=DELETION_WINDOW_DAYS)
        except Exception as exc:
            raise classify(exc, "kms:ScheduleKeyDeletion", f"{key_id} in {region}") from exc
        log.warning(
            "Unused key %s scheduled for deletion in %s (%d days), as typed by the user",
            key_id,
            region,
            DELETION_WINDOW_DAYS,
        )
    return regions
