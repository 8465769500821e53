"""GUI fixtures: the real main window over a real database in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from byok_desktop.changes import ChangeBus, Changes
from byok_desktop.context import AppContext
from byok_desktop.logging_setup import LOG_FILE
from ui.app import create_application
from ui.changes import ChangeRelay
from ui.main_window import MainWindow
from ui.operations import Operations
from ui.settings import app_settings


@pytest.fixture
def window(qtbot: QtBot, context: AppContext) -> Iterator[MainWindow]:
    create_application([])  # style, stylesheet and icon search path, as in the app
    win = MainWindow(context, app_settings(context.paths), context.paths.log_dir / LOG_FILE)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()  # window shortcuts need the active window
    qtbot.waitActive(win)
    yield win
    win.close()
    assert win.tasks.wait(), "a background task outlived its test"
    # Destroy the window so its shortcuts cannot shadow the next test's window.
    win.deleteLater()
    qtbot.waitUntil(lambda: not _alive(win))


def _alive(widget: MainWindow) -> bool:
    from shiboken6 import isValid

    return bool(isValid(widget))


@pytest.fixture(autouse=True)
def _no_real_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog would block the suite: any dialog a test did not replace fails it."""
    from ui.dialogs import Dialogs

    for name in (
        "error",
        "info",
        "confirm",
        "choose",
        "open_request_files",
        "save_request_file",
        "save_csv_file",
    ):

        def unexpected(cls: type, *args: object, _name: str = name) -> None:
            pytest.fail(f"unexpected dialog Dialogs.{_name}{args[1:]!r}")

        monkeypatch.setattr(Dialogs, name, classmethod(unexpected))


@pytest.fixture
def ops(qtbot: QtBot) -> Iterator[Operations]:
    """The operations API on its own, for tests of one page."""
    operations = Operations()
    yield operations
    assert operations.wait(), "an operation outlived its test"
    qtbot.waitUntil(lambda: operations.pending == 0)


@pytest.fixture
def change_bus() -> ChangeBus:
    return ChangeBus()


@pytest.fixture
def relay(change_bus: ChangeBus, ops: Operations) -> Iterator[ChangeRelay]:
    changes = ChangeRelay(change_bus, ops)
    yield changes
    changes.stop()


@pytest.fixture(autouse=True)
def _window_wiring(monkeypatch: pytest.MonkeyPatch, change_bus: ChangeBus) -> None:
    """Transitional, until the main window makes the Operations and the ChangeRelay
    itself (its own branch): the window's pages get both, and job updates are announced
    on the bus as the store will announce the products they change."""
    import ui.credentials
    import ui.jobs.bridge
    import ui.jobs.page
    import ui.main_window
    import ui.products

    if "Operations" in vars(ui.main_window):
        return  # the window wires them itself
    relays: dict[int, ChangeRelay] = {}

    def relay_for(operations: Operations) -> ChangeRelay:
        if id(operations) not in relays:
            relays[id(operations)] = ChangeRelay(change_bus, operations, parent=operations)
        return relays[id(operations)]

    def announce(job: object) -> None:
        change_bus.publish(Changes.of_families({(job.site_key, job.family)}))  # type: ignore[attr-defined]

    products_page, jobs_page = ui.products.ProductsPage, ui.jobs.page.JobsPage
    credentials_page, bridge = ui.credentials.CredentialsPage, ui.jobs.bridge.JobsBridge

    def make_bridge(*args: object) -> object:
        made = bridge(*args)  # type: ignore[arg-type]
        made.job_updated.connect(announce)
        return made

    monkeypatch.setattr(ui.main_window, "TaskRunner", Operations)
    monkeypatch.setattr(ui.jobs.bridge, "JobsBridge", make_bridge)
    monkeypatch.setattr(
        ui.products,
        "ProductsPage",
        lambda context, jobs, operations, settings: products_page(
            context, jobs, operations, settings, relay_for(operations)
        ),
    )
    monkeypatch.setattr(
        ui.jobs.page,
        "JobsPage",
        lambda jobs, operations: jobs_page(jobs, operations, relay_for(operations)),
    )
    monkeypatch.setattr(
        ui.credentials,
        "CredentialsPage",
        lambda context, operations: credentials_page(context, operations, relay_for(operations)),
    )
