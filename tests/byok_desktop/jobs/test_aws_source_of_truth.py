"""AWS is the source of truth: provisioning adopts what the app made in AWS whatever the
local journal says, and when two runs made a key each, both keep the same one and the
other is scheduled for deletion (7 days) and named in the journal."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from byok_desktop.context import AppContext
from byok_desktop.job_records import JobStatus
from byok_desktop.jobs.owner import this_owner
from byok_desktop.locations import Location
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning import steps
from byok_desktop.provisioning.naming import KeyTarget
from tests.helpers.provisioned import (
    EU_REGIONS,
    Account,
    add_verified_profile,
    job_runner,
    moto_context,
    provision,
    submit,
)

ALIAS = "alias/cryptor-acme-jira"
TARGET = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-1")


def _keys(aws: Account, region: str) -> dict[str, str]:
    kms = aws.kms(region)
    return {
        k["KeyId"]: kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
        for k in kms.list_keys()["Keys"]
    }


def _alias_targets(aws: Account, region: str) -> list[str]:
    aliases = aws.kms(region).list_aliases()["Aliases"]
    return [a["TargetKeyId"] for a in aliases if a["AliasName"] == ALIAS]


def _assert_one_key_in_use(aws: Account) -> str:
    """One live key per region, the alias on it; any other key is pending deletion."""
    in_use = set()
    for region in EU_REGIONS:
        states = _keys(aws, region)
        live = [k for k, s in states.items() if s != "PendingDeletion"]
        assert len(live) == 1, (region, states)
        assert _alias_targets(aws, region) == live
        in_use.add(live[0])
    assert len(in_use) == 1
    return in_use.pop()


def test_a_new_data_folder_adopts_the_key_made_from_the_old_one(
    aws: Account, tmp_path: Path
) -> None:
    with moto_context(tmp_path / "first") as first:
        made = provision(first)
    shutil.rmtree(tmp_path / "first")  # the journal is gone; AWS still holds the key

    with moto_context(tmp_path / "second") as second:
        again = provision(second)
        steps_of = second.database.jobs.steps(again.job_id)
        primary = next(s for s in steps_of if s.step == "primary_key")

    assert again.key_id == made.key_id
    assert "discarded_keys" not in primary.resources
    for region in EU_REGIONS:
        assert list(_keys(aws, region)) == [made.key_id]
        assert _alias_targets(aws, region) == [made.key_id]


class _RivalOnCreate:
    """The app's KMS client in the primary region, with another workstation's CreateKey
    made just before (``when="before"``) or just after the app's own."""

    def __init__(self, inner: Any, aws: Account, when: str) -> None:
        self._inner = inner
        self._aws = aws
        self._when = when
        self.rivals: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _rival(self, kwargs: dict[str, Any]) -> None:
        made = self._aws.kms(EU_REGIONS[0]).create_key(**kwargs)
        self.rivals.append(made["KeyMetadata"]["KeyId"])

    def create_key(self, **kwargs: Any) -> Any:
        if self._when == "before":
            self._rival(kwargs)
        answer = self._inner.create_key(**kwargs)
        if self._when == "after":
            self._rival(kwargs)
        return answer


@pytest.mark.parametrize("when", ["before", "after"])
def test_two_workstations_racing_keep_one_key_and_schedule_the_other_for_deletion(
    ctx: AppContext, aws: Account, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    add_verified_profile(ctx)
    wrapped: list[_RivalOnCreate] = []
    original = steps.StepContext.kms

    def kms(self: steps.StepContext, region: str) -> Any:
        client = original(self, region)
        if region != EU_REGIONS[0]:
            return client
        if not wrapped:
            wrapped.append(_RivalOnCreate(client, aws, when))
        return wrapped[0]

    monkeypatch.setattr(steps.StepContext, "kms", kms)
    made = provision(ctx)

    kept = _assert_one_key_in_use(aws)
    assert made.key_id == kept
    [rival] = wrapped[0].rivals
    primary = _keys(aws, EU_REGIONS[0])
    assert len(primary) == 2
    [discarded] = [k for k, s in primary.items() if s == "PendingDeletion"]
    assert rival in primary
    assert set(primary) == {kept, discarded}
    meta = aws.kms(EU_REGIONS[0]).describe_key(KeyId=discarded)["KeyMetadata"]
    assert meta["DeletionDate"] is not None
    journal = ctx.database.jobs.steps(made.job_id)
    step = next(s for s in journal if s.step == "primary_key")
    assert step.resources["discarded_keys"] == discarded


class _Counting:
    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name == "get_paginator":
            self.calls["list_keys"] += 1  # one page here
            return attribute
        if not callable(attribute):
            return attribute

        def counted(**kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(**kwargs)

        return counted


def test_the_scan_for_the_apps_keys_is_cheap(aws: Account) -> None:
    """20 single-Region keys and 3 other multi-Region keys: no tag is read; only the
    multi-Region keys are described; the app's own key costs one ListResourceTags."""
    kms = aws.kms(EU_REGIONS[0])
    for _ in range(20):
        kms.create_key(Description="someone else's key")
    for n in range(3):
        kms.create_key(Description=f"another team's key {n}", MultiRegion=True)
    counting = _Counting(kms)

    assert steps._tagged_keys(counting, TARGET) == []
    assert counting.calls == Counter({"list_keys": 1, "describe_key": 3})

    ours = kms.create_key(Description=TARGET.description, MultiRegion=True, Tags=TARGET.kms_tags())[
        "KeyMetadata"
    ]["KeyId"]
    counting.calls.clear()
    assert [c.key_id for c in steps._tagged_keys(counting, TARGET)] == [ours]
    assert counting.calls == Counter({"list_keys": 1, "describe_key": 4, "list_resource_tags": 1})


def test_the_winner_is_the_aliased_key_else_the_first_made() -> None:
    early = steps._Candidate("mrk-b", "2026-01-01T00:00:00")
    late = steps._Candidate("mrk-a", "2026-01-01T00:00:01")
    assert steps._winner([late, early], None) == "mrk-b"
    assert steps._winner([late, early], "mrk-a") == "mrk-a"
    same = steps._Candidate("mrk-a", "2026-01-01T00:00:00")
    assert steps._winner([early, same], None) == "mrk-a"  # a tie: the smaller ID


def test_queued_jobs_of_a_dead_submitter_become_resumable(ctx: AppContext, aws: Account) -> None:
    add_verified_profile(ctx)
    jobs = ctx.database.jobs
    [job_id] = submit(ctx)
    submitter = jobs.get(job_id).owner
    assert submitter == this_owner()
    # Its submitter still runs (another instance is starting): left alone.
    assert jobs.mark_interrupted(lambda owner: owner == submitter) == []
    assert jobs.get(job_id).status is JobStatus.QUEUED
    # Its submitter is gone: nobody will run it; resume may.
    assert jobs.mark_interrupted(lambda _owner: False) == [job_id]
    interrupted = jobs.get(job_id)
    assert interrupted.status is JobStatus.INTERRUPTED
    assert interrupted.status.resumable
    assert "before this job started" in interrupted.error_message
    finished = job_runner(ctx).run(job_id, "test")
    assert finished.status is JobStatus.SUCCEEDED, finished.error_message
