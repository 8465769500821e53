"""The window under faults of the environment (issue 15, item 2): each ends in one
sentence in a dialog or on a screen, never a traceback and never "Something went wrong";
Submit checks the profile (its secret, its account) before the request is locked, so a
fault leaves the request Ready with no job. The offscreen window over real files, AWS
mocked by moto, the keyring swapped for one that fails."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile, ProfileInput
from byok_desktop.credentials.keyring_store import SecretStore
from byok_desktop.paths import DATABASE_FILE
from byok_desktop.request import RequestStatus
from tests.helpers.factories import ready_draft
from tests.helpers.fault_keyrings import LockedKeyring, StuckKeyring
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.provisioned import ACCOUNT
from tests.helpers.requests_gui import refresh, show
from ui.dialogs import Dialogs
from ui.main_window import MainWindow

Shown = list[tuple[str, str]]


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Shown:
    """Every error dialog's (title, text)."""
    seen: Shown = []

    def error(cls: type, parent: object, title: str, text: str, details: str = "") -> None:
        seen.append((title, text))

    monkeypatch.setattr(Dialogs, "error", classmethod(error))
    return seen


def _dead_endpoint() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _one_sentence(text: str) -> None:
    assert "Traceback" not in text
    assert "Something went wrong" not in text
    assert "Unexpected error" not in text
    assert text.rstrip().endswith("."), text


_SWAPPED: list[SecretStore] = []  # keyrings a test swapped in, closed after it


@pytest.fixture(autouse=True)
def _close_swapped_keyrings() -> Iterator[None]:
    yield
    while _SWAPPED:
        store = _SWAPPED.pop()
        backend = store._backend
        if isinstance(backend, StuckKeyring):
            backend.never.set()  # let its stuck call return, so its thread ends
        store.close()


def _swap_keyring(ctx: AppContext, timeout_s: float, backend: object) -> None:
    ctx.credentials.secrets.close()  # the context's own, which it would have closed
    _SWAPPED.append(SecretStore(timeout_s, backend))
    ctx.credentials.secrets = _SWAPPED[-1]


def _no_keyring(ctx: AppContext, profile: Profile) -> str:
    _swap_keyring(ctx, 5.0, keyring.backends.fail.Keyring())
    return "No OS keyring is available"


def _locked_keyring(ctx: AppContext, profile: Profile) -> str:
    _swap_keyring(ctx, 5.0, LockedKeyring())
    return "The OS keyring is locked"


def _keyring_never_answers(ctx: AppContext, profile: Profile) -> str:
    _swap_keyring(ctx, 0.5, StuckKeyring())
    return "did not answer in time"


def _aws_unreachable(ctx: AppContext, profile: Profile) -> str:
    ctx.settings_service.update(aws_endpoint_url=_dead_endpoint())
    return "Could not reach AWS"


def _expired_credentials(ctx: AppContext, profile: Profile) -> str:
    past = datetime.now(UTC) - timedelta(hours=1)
    entry = ProfileInput(
        name=profile.name,
        kind=profile.kind,
        access_key_id=profile.access_key_id,
        default_region=profile.default_region,
        session_expires_at=past,
    )
    # The same keys with an expiry in the past: the verification is kept.
    ctx.credentials.profiles.upsert(
        profile.uid, entry, keyring_backend=None, has_session_token=None
    )
    return "expired"


SUBMIT_FAULTS: dict[str, Callable[[AppContext, Profile], str]] = {
    "no keyring": _no_keyring,
    "locked keyring": _locked_keyring,
    "keyring never answers": _keyring_never_answers,
    "AWS unreachable": _aws_unreachable,
    "expired credentials": _expired_credentials,
}


@pytest.mark.parametrize("fault", sorted(SUBMIT_FAULTS))
def test_submit_meets_a_fault_with_a_sentence_and_the_request_stays_ready(
    qtbot: QtBot,
    make_window: WindowFactory,
    ctx: AppContext,
    profile: Profile,
    shown: Shown,
    fault: str,
) -> None:
    store = ctx.database.requests
    request = store.create(ready_draft(aws_account_id=ACCOUNT))
    says = SUBMIT_FAULTS[fault](ctx, profile)
    window = make_window(ctx)
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request.id)

    page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)

    qtbot.waitUntil(lambda: bool(shown), timeout=15_000)
    ((title, text),) = shown
    assert title == "Cannot provision this request"
    assert says in text, text
    assert "nothing was submitted" in text
    _one_sentence(text)
    assert store.get(request.id).status is RequestStatus.READY
    assert ctx.database.jobs.all_jobs() == []


def _damage_pages(database: Path) -> None:
    """Every page after the schema's overwritten: SQLite opens the file, then reads garbage."""
    data = bytearray(database.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data), page):
        data[offset : offset + page] = b"\xa5" * page
    database.write_bytes(bytes(data))


def test_the_jobs_page_names_a_damaged_database(
    qtbot: QtBot, make_window: WindowFactory, context: AppContext, shown: Shown
) -> None:
    """Pages damaged while the app runs (the start-up check passed): the Jobs page says
    why it has no list, instead of "No provisioning jobs yet" or a crash dialog."""
    for i in range(80):
        context.database.requests.create(ready_draft(site_name=f"site{i}"))
    window: MainWindow = make_window(context)
    page = window.jobs_page
    window.show_section("jobs")
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    context.database.engine.dispose()  # no connection keeps pages cached
    _damage_pages(context.paths.data_dir / DATABASE_FILE)

    page.reload()

    qtbot.waitUntil(lambda: page.empty_hint.text().startswith("The jobs cannot be shown."))
    text = page.empty_hint.text()
    assert page.empty_hint.isVisible()
    assert "malformed" in text or "damaged" in text, text
    _one_sentence(text)
    assert shown == []  # said on the page, not in a dialog per reload
