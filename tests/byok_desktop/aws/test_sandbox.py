"""The built-in sandbox: a local moto server, its own database, reset when stale."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from byok_desktop.context import AppContext, WrongDatabaseMode, open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.credentials.service import SANDBOX_ACCESS_KEY_ID
from byok_desktop.locations import Location
from byok_desktop.paths import DATABASE_FILE, AppPaths
from byok_desktop.products import Product
from byok_desktop.store.models import ProductRow
from tests.helpers.factories import ready_draft
from tests.helpers.memory_keyring import MemoryKeyring

Opener = Callable[..., AppContext]


@pytest.fixture
def opener(paths: AppPaths) -> Iterator[Opener]:
    """Opens contexts on ``paths`` and closes whatever is still open at the end."""
    opened: list[AppContext] = []

    def open_(**options: object) -> AppContext:
        options.setdefault("keyring_backend", MemoryKeyring())
        context = open_context(paths, **options)  # type: ignore[arg-type]
        opened.append(context)
        return context

    yield open_
    for context in opened:
        context.close()


def product_count(context: AppContext) -> int:
    with context.database.engine.connect() as conn:
        return int(conn.scalar(select(func.count(ProductRow.id))) or 0)


def accepts_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def sandbox_profile() -> ProfileInput:
    return ProfileInput(
        name="Other sandbox account",
        kind=ProfileKind.SANDBOX,
        access_key_id=SANDBOX_ACCESS_KEY_ID,
        expected_account_id="111122223333",
    )


def test_the_sandbox_starts_nothing_until_aws_is_used(opener: Opener) -> None:
    context = opener(sandbox=True)

    assert context.in_sandbox
    assert context.sandbox is not None
    assert context.sandbox.endpoint_url == ""
    assert context.settings.sandbox is True


def test_aws_config_starts_the_server_on_localhost(opener: Opener) -> None:
    context = opener(sandbox=True)
    (profile,) = context.credentials.profiles.list()

    config = context.aws_config(profile)

    url = urlsplit(config.endpoint_url)
    assert url.scheme == "http"
    assert url.hostname == "127.0.0.1"
    assert url.port is not None
    assert url.port > 0
    assert accepts_connections(url.port)
    assert config.sandbox_account_id == "123456789012"
    # Started once: later configs use the same server.
    assert context.aws_config(profile).endpoint_url == config.endpoint_url


def test_closing_the_context_stops_the_server(opener: Opener) -> None:
    context = opener(sandbox=True)
    (profile,) = context.credentials.profiles.list()
    port = urlsplit(context.aws_config(profile).endpoint_url).port
    assert port is not None

    context.close()

    assert not accepts_connections(port)


def test_the_built_in_sandbox_profile_verifies(opener: Opener) -> None:
    context = opener(sandbox=True)
    (profile,) = context.credentials.profiles.list()
    assert profile.kind is ProfileKind.SANDBOX
    assert profile.name == "Sandbox"

    updated, identity = context.credentials.verify(profile.uid)

    assert identity.account_id == "123456789012"
    assert updated.verification is not None
    assert updated.verification.account_id == "123456789012"


def test_a_sandbox_profile_plays_its_expected_account(opener: Opener) -> None:
    context = opener(sandbox=True)
    profile = context.credentials.save(None, sandbox_profile(), None)

    _, identity = context.credentials.verify(profile.uid)

    assert identity.account_id == "111122223333"
    assert "111122223333" in identity.arn


def test_the_sandbox_profile_is_made_once(opener: Opener) -> None:
    first = opener(sandbox=True)
    uids = [p.uid for p in first.credentials.profiles.list()]
    first.close()

    again = opener(sandbox=True)

    assert [p.uid for p in again.credentials.profiles.list()] == uids


def test_the_sandbox_database_is_a_separate_file(opener: Opener, paths: AppPaths) -> None:
    sandbox = opener(sandbox=True)
    sandbox.database.requests.create(ready_draft(site_name="sandboxsite"))
    sandbox.close()

    real = opener(sandbox=False)

    assert sandbox.database.path == paths.data_dir / "sandbox" / DATABASE_FILE
    assert real.database.path == paths.database
    assert real.database.path != sandbox.database.path
    assert real.database.requests.count() == 0
    assert real.credentials.profiles.list() == []  # no sandbox profile among real ones
    assert real.sandbox is None


def _copy_database(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))


def test_a_real_database_cannot_be_opened_in_sandbox_mode(opener: Opener, paths: AppPaths) -> None:
    real = opener(sandbox=False)
    real.database.requests.create(ready_draft())
    real.close()
    _copy_database(paths.database, paths.sandbox_dir / DATABASE_FILE)

    with pytest.raises(WrongDatabaseMode, match="real records"):
        opener(sandbox=True)


def test_a_sandbox_database_cannot_be_opened_in_real_mode(opener: Opener, paths: AppPaths) -> None:
    sandbox = opener(sandbox=True)
    sandbox.close()
    _copy_database(paths.sandbox_dir / DATABASE_FILE, paths.database)

    with pytest.raises(WrongDatabaseMode, match="sandbox records"):
        opener(sandbox=False)


def test_a_stale_sandbox_database_is_set_aside(opener: Opener, paths: AppPaths) -> None:
    real = opener(sandbox=False)
    real_request = real.database.requests.create(ready_draft(site_name="realsite"))
    real.close()

    first = opener(sandbox=True)
    request = first.database.requests.create(ready_draft(site_name="acme"))
    first.database.requests.record_product("acme", Product.JIRA_SOFTWARE, Location.EU, request.id)
    assert product_count(first) == 1
    first.close()

    second = opener(sandbox=True)

    (warning,) = second.warnings
    assert "sandbox was reset" in warning
    kept = list((paths.sandbox_dir / "backups").glob("sandbox-before-reset-*.sqlite3"))
    assert len(kept) == 1
    assert str(kept[0]) in warning
    assert "Real records are untouched" in warning
    assert product_count(second) == 0
    assert second.database.requests.count() == 0
    assert [p.name for p in second.credentials.profiles.list()] == ["Sandbox"]
    second.close()

    real_again = opener(sandbox=False)
    assert real_again.warnings == []
    assert real_again.database.requests.count() == 1
    assert real_again.database.requests.get(real_request.id).draft.site_name == "realsite"


def test_a_sandbox_database_without_products_is_kept(opener: Opener, paths: AppPaths) -> None:
    first = opener(sandbox=True)
    first.database.requests.create(ready_draft(site_name="draftonly"))
    first.close()

    second = opener(sandbox=True)

    assert second.warnings == []
    assert second.database.requests.count() == 1
    assert list(paths.sandbox_dir.glob("backups/sandbox-before-reset-*")) == []
