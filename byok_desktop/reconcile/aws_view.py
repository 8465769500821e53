"""What this app made in an AWS account, as reconcile reads it: the multi-Region keys
whose tags say so, in both regions of every location (merged by key ID: a replica has
its primary's), and the aliases. Read-only. Blocking: call from a worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsProblem, classify, error_code
from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.naming import (
    KEY_PREFIX,
    MANAGED_BY,
    TAG_FAMILY,
    TAG_LOCATION,
    TAG_MANAGED_BY,
    TAG_REQUEST,
    TAG_SITE,
)
from byok_desktop.validation import site_key

log = logging.getLogger("byok_desktop.reconcile")

GONE = ("PendingDeletion", "PendingReplicaDeletion")

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class AwsKey:
    """One multi-Region key the app made, as seen in each region it exists in."""

    key_id: str
    site: str
    family: ProductFamily
    location: Location
    request_uid: str
    created: datetime | None
    arns: dict[str, str]  # region → ARN
    states: dict[str, str]  # region → KeyState

    @property
    def live(self) -> bool:
        return not any(s in GONE for s in self.states.values())


def scan_keys(connection: AwsConnection, progress: Progress = lambda _text: None) -> list[AwsKey]:
    """Every live or scheduled multi-Region key the app made, in every location's two
    regions, merged by key ID (a replica has its primary's ID)."""
    seen: dict[str, dict[str, Any]] = {}
    for location in Location:
        for region in location.regions:
            progress(f"Reading keys in {region.label()}")
            kms = connection.client("kms", region.code)
            for meta, tags in _app_keys(kms, region.code):
                entry = seen.setdefault(
                    str(meta["KeyId"]), {"tags": {}, "arns": {}, "states": {}, "created": None}
                )
                entry["tags"].update(tags)
                entry["arns"][region.code] = str(meta.get("Arn", ""))
                entry["states"][region.code] = str(meta.get("KeyState", ""))
                created = meta.get("CreationDate")
                if isinstance(created, datetime) and (
                    entry["created"] is None or created < entry["created"]
                ):
                    entry["created"] = created
    found = []
    for key_id, entry in sorted(seen.items()):
        tags = entry["tags"]
        # Tags are anyone's to edit: only a valid site, family and location are believed.
        site = site_key(str(tags.get(TAG_SITE, "")))
        try:
            family = ProductFamily(tags.get(TAG_FAMILY, ""))
            location = _location_of(tags.get(TAG_LOCATION, ""), entry["arns"])
        except ValueError:
            site = ""
        if not site:
            log.warning("Key %s has the app's tags but no valid site, family or location", key_id)
            continue
        _find_replicas(connection, key_id, location, entry["arns"], entry["states"])
        found.append(
            AwsKey(
                key_id=key_id,
                site=site,
                family=family,
                location=location,
                request_uid=str(tags.get(TAG_REQUEST, "")),
                created=entry["created"],
                arns=dict(entry["arns"]),
                states=dict(entry["states"]),
            )
        )
    return found


def _find_replicas(
    connection: AwsConnection,
    key_id: str,
    location: Location,
    arns: dict[str, str],
    states: dict[str, str],
) -> None:
    """The key in its location's other region, tagged or not (not every emulator copies
    tags to a replica, and a replica's tags may have been changed there)."""
    for region in location.regions:
        if region.code in arns:
            continue
        kms = connection.client("kms", region.code)
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except Exception as exc:
            if error_code(exc) == "NotFoundException":
                continue
            raise classify(exc, "kms:DescribeKey", f"{key_id} in {region.code}") from exc
        arns[region.code] = str(meta.get("Arn", ""))
        states[region.code] = str(meta.get("KeyState", ""))



def _app_keys(kms: Any, region: str) -> Iterable[tuple[dict[str, Any], dict[str, str]]]:
    """(metadata, tags) of the region's customer-managed multi-Region keys that carry
    the app's tags. ListKeys gives IDs only; single-Region keys are never described."""
    try:
        for page in kms.get_paginator("list_keys").paginate():
            for entry in page.get("Keys", []):
                key_id = str(entry["KeyId"])
                if not key_id.startswith("mrk-"):
                    continue
                meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
                if meta.get("KeyManager", "CUSTOMER") != "CUSTOMER":
                    continue
                listed = kms.list_resource_tags(KeyId=key_id).get("Tags", [])
                tags = {t["TagKey"]: t["TagValue"] for t in listed}
                if tags.get(TAG_MANAGED_BY) != MANAGED_BY or not tags.get(TAG_SITE):
                    continue
                yield meta, tags
    except AwsProblem:
        raise
    except Exception as exc:
        raise classify(exc, "kms:ListKeys", region) from exc


def aliases(connection: AwsConnection, region: str) -> dict[str, str]:
    kms = connection.client("kms", region)
    found: dict[str, str] = {}
    try:
        for page in kms.get_paginator("list_aliases").paginate():
            for entry in page.get("Aliases", []):
                name = str(entry.get("AliasName", ""))
                if name.startswith(f"alias/{KEY_PREFIX}-") and entry.get("TargetKeyId"):
                    found[name] = str(entry["TargetKeyId"])
    except Exception as exc:
        raise classify(exc, "kms:ListAliases", region) from exc
    return found


def _location_of(tagged: str, arns: dict[str, str]) -> Location:
    if tagged:
        return Location(tagged)
    for location in Location:
        if any(r.code in arns for r in location.regions):
            return location
    raise ValueError("no location")
