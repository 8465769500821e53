"""``main.py reconcile`` as a rep runs it: real processes against a moto server in this
process, a provisioned site, then a new data folder that knows nothing of it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import ProductFamily
from byok_desktop.provisioning.naming import KeyTarget
from tests.faults.test_sigkill import Site, make_site
from tests.helpers import REPO
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.moto_server import SlowMotoServer


@pytest.fixture(scope="module")
def server() -> Iterator[SlowMotoServer]:
    moto = SlowMotoServer(0.0)
    moto.start()
    yield moto
    moto.stop()


def _main(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), "--aws-endpoint-url", url, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _new_workstation(server: SlowMotoServer, data_dir: Path) -> None:
    """A data folder with only a verified profile named ``acme`` (the AWS CLI's
    ``byok-test`` profile, which ``make_site`` wrote to ~/.aws)."""
    context = open_context(
        resolve_paths(data_dir), aws_endpoint_url=server.url, keyring_backend=MemoryKeyring()
    )
    try:
        profile = context.credentials.save(
            None,
            ProfileInput(
                name="acme",
                kind=ProfileKind.CLI,
                cli_profile="byok-test",
                default_region="eu-central-1",
            ),
            None,
        )
        context.credentials.verify(profile.uid)
    finally:
        context.close()


def _products(data_dir: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(f"file:{resolve_paths(data_dir).database}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT site_key, product, status FROM products ORDER BY id")
        return [(str(s), str(p), str(st)) for s, p, st in rows]
    finally:
        conn.close()


@pytest.fixture
def provisioned(server: SlowMotoServer, tmp_path: Path) -> Site:
    server.reset()
    site = make_site(server, tmp_path / "first")
    done = _main(site.paths.data_dir, server.url, "provision", "--yes", str(site.request_id))
    assert done.returncode == 0, done.stdout + done.stderr
    return site


def test_a_new_workstation_gets_its_products_back(
    server: SlowMotoServer, provisioned: Site, tmp_path: Path
) -> None:
    new = tmp_path / "new"
    _new_workstation(server, new)

    dry = _main(new, server.url, "reconcile", "--profile", "acme", "--dry-run", "--json")
    assert dry.returncode == 1, dry.stderr  # something differs, and nothing was written
    document = json.loads(dry.stdout)
    assert [(d["kind"], d["site"], d["family"]) for d in document["differences"]] == [
        ("missing_locally", "acme", "jira")
    ]
    assert document["dry_run"] is True
    assert document["applied"] == 0
    assert _products(new) == []

    done = _main(new, server.url, "reconcile", "acme", "--profile", "acme")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Not recorded here  acme/jira" in done.stdout
    assert "repaired 1 difference(s)" in done.stdout
    assert "Traceback" not in done.stderr
    assert _products(new) == [("acme", "jira-software", "active")]

    again = _main(new, server.url, "reconcile", "--profile", "acme")
    assert again.returncode == 0
    assert "the local records agree with AWS" in again.stdout


def test_an_unused_key_needs_a_human_and_stays(server: SlowMotoServer, provisioned: Site) -> None:
    kms = boto3.client(
        "kms",
        region_name="eu-central-1",
        endpoint_url=server.url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    target = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-rival")
    rival = kms.create_key(
        Description=target.description, MultiRegion=True, Tags=target.kms_tags()
    )["KeyMetadata"]["KeyId"]

    done = _main(provisioned.paths.data_dir, server.url, "reconcile", "--profile", "acme")

    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Unused key  acme/jira: Key {rival}" in done.stdout
    assert "nothing was changed in AWS" in done.stdout
    assert kms.describe_key(KeyId=rival)["KeyMetadata"]["KeyState"] == "Enabled"


def test_usage_and_aws_faults_have_their_exit_codes(
    server: SlowMotoServer, provisioned: Site
) -> None:
    data = provisioned.paths.data_dir
    unknown = _main(data, server.url, "reconcile", "--profile", "nobody")
    assert unknown.returncode == 2
    assert "no profile is named 'nobody'" in unknown.stderr
    assert _main(data, server.url, "reconcile").returncode == 2  # --profile is required

    unreachable = _main(data, "http://127.0.0.1:9", "reconcile", "--profile", "acme")
    assert unreachable.returncode == 4, unreachable.stderr
    assert unreachable.stderr.count("\n") <= 3
    assert "Traceback" not in unreachable.stderr


def test_an_unused_key_is_scheduled_for_deletion_only_with_its_id_typed(
    server: SlowMotoServer, provisioned: Site
) -> None:
    kms = boto3.client(
        "kms",
        region_name="eu-central-1",
        endpoint_url=server.url,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="x",
    )
    target = KeyTarget("acme", ProductFamily.JIRA, Location.EU, "uid-rival")
    rival = kms.create_key(
        Description=target.description, MultiRegion=True, Tags=target.kms_tags()
    )["KeyMetadata"]["KeyId"]
    data = provisioned.paths.data_dir
    args = ("reconcile", "--profile", "acme", "--schedule-deletion", rival)

    unconfirmed = _main(data, server.url, *args)
    assert unconfirmed.returncode == 2
    assert f"needs --confirm {rival}" in unconfirmed.stderr
    in_use = kms.list_aliases(KeyId=rival)["Aliases"]
    assert in_use == []
    assert kms.describe_key(KeyId=rival)["KeyMetadata"]["KeyState"] == "Enabled"

    done = _main(data, server.url, *args, "--confirm", rival)

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{rival} scheduled for deletion in 30 days in eu-central-1" in done.stdout
    assert kms.describe_key(KeyId=rival)["KeyMetadata"]["KeyState"] == "PendingDeletion"
