"""No stuck job and nothing made twice, with real processes (``main.py``) against one
moto server: a kill while jobs wait in the queue, two workstations with their own
databases provisioning one site, and two processes on one database racing to provision
one request."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_desktop.job_records import JobStatus
from byok_desktop.products import Product
from tests.faults.test_sigkill import (
    LATENCY_S,
    REGIONS,
    Site,
    _aws,
    _finish,
    _kill_when,
    make_site,
)
from tests.helpers.moto_server import SlowMotoServer


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    slow = SlowMotoServer(LATENCY_S)
    slow.start()
    yield slow
    slow.stop()


def _jobs(site: Site) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"file:{site.database}?mode=ro", uri=True, timeout=5)
    try:
        return [(int(i), str(s)) for i, s in conn.execute("SELECT id, status FROM jobs")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def _keys_by_alias(site: Site, region: str) -> tuple[dict[str, str], dict[str, str]]:
    """(key id → state, alias → key id) in ``region``."""
    kms = _aws(site, "kms", region)
    states = {
        k["KeyId"]: kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"]
        for k in kms.list_keys()["Keys"]
    }
    aliases = {
        a["AliasName"]: a["TargetKeyId"]
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/cryptor-")
    }
    return states, aliases


def test_killed_while_jobs_are_queued_resume_with_no_argument_finishes_them_all(
    server: SlowMotoServer, tmp_path: Path
) -> None:
    server.reset()
    # Two families of one site: their jobs run one after the other, so the second waits
    # Queued while the first runs.
    site = make_site(
        server,
        tmp_path / "data",
        site_name="beta",
        products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
    )

    def one_running_one_queued() -> bool:
        statuses = sorted(s for _i, s in _jobs(site))
        return statuses == [JobStatus.QUEUED.value, JobStatus.RUNNING.value]

    _kill_when(site.main("provision", "--yes", str(site.request_id)), one_running_one_queued)
    assert JobStatus.QUEUED.value in {s for _i, s in _jobs(site)}

    output = _finish(site.main("resume"))

    assert "no job to resume" not in output
    assert {s for _i, s in _jobs(site)} == {JobStatus.SUCCEEDED.value}
    for region in REGIONS:
        states, aliases = _keys_by_alias(site, region)
        assert set(aliases) == {"alias/cryptor-beta-jira", "alias/cryptor-beta-confluence"}
        assert set(states) == set(aliases.values()), states  # nothing made twice
        assert set(states.values()) == {"Enabled"}


def test_two_workstations_with_their_own_databases_end_with_one_key(
    server: SlowMotoServer, tmp_path: Path
) -> None:
    server.reset()
    first = make_site(server, tmp_path / "first")
    second = make_site(server, tmp_path / "second")

    racing = [first.main("provision", "--yes", str(first.request_id))]
    racing.append(second.main("provision", "--yes", str(second.request_id)))
    outputs = [_finish(process) for process in racing]

    assert all("Traceback" not in o for o in outputs)
    for region in REGIONS:
        states, aliases = _keys_by_alias(first, region)
        live = [k for k, s in states.items() if s != "PendingDeletion"]
        assert aliases == {"alias/cryptor-acme-jira": live[0]}, (region, states, aliases)
        assert len(live) == 1, (region, states)
    primary, _aliases = _keys_by_alias(first, REGIONS[0])
    assert len(primary) <= 2  # at most one extra key, and that one is going
    assert list(primary.values()).count("Enabled") == 1


@pytest.mark.parametrize("round_", range(4))
def test_two_processes_on_one_database_provision_once(
    server: SlowMotoServer,
    tmp_path: Path,
    round_: int,  # the race, repeated
) -> None:
    server.reset()
    site = make_site(server, tmp_path / "data")

    racing = [site.main("provision", "--yes", str(site.request_id)) for _ in range(2)]
    results = []
    for process in racing:
        output, _ = process.communicate(timeout=120)
        results.append((process.returncode, output))

    assert all("Traceback" not in output for _code, output in results), results
    codes = sorted(code for code, _output in results)
    assert codes == [0, 1], results
    [loser] = [output for code, output in results if code != 0]
    assert f"#{site.request_id}: not submitted: Request #{site.request_id} " in loser
    # What the loser saw depends on when it looked: the request locked, already submitted,
    # or already holding the winner's job; each is one sentence, and nothing runs twice.
    assert any(
        words in loser
        for words in ("already Submitted", "another workstation at the same time", "already has job")
    ), loser
    assert len(_jobs(site)) == 1  # one job, run once
    states, aliases = _keys_by_alias(site, REGIONS[0])
    assert len(states) == 1
    assert list(aliases) == ["alias/cryptor-acme-jira"]
