"""Start the GUI: application object, logging hooks, database, main window."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from byok_desktop import APP_ID, APP_NAME, __version__
from byok_desktop.context import AppContext, ContextOverrides, WrongDatabaseMode, open_context
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.paths import AppPaths
from byok_desktop.store.database import DatabaseCorrupt, move_aside
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
from ui.probe import PROBE_ENV
from ui.qt_logging import install_excepthook, install_qt_message_handler
from ui.resources import icon, stylesheet
from ui.settings import app_settings

log = logging.getLogger("ui")


def create_application(argv: Sequence[str]) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv))
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(icon("app"))
    app.setStyle("Fusion")  # the stylesheet is written against Fusion's metrics
    app.setStyleSheet(stylesheet())
    return app


def freeze_startup_objects() -> None:
    """Move everything start-up made (modules, Qt wrappers, the database's metadata) out of
    the cyclic garbage collector's reach. A full collection holds the GIL for as long as it
    scans, and it would rescan all of that each time: ~80 ms stalls of the GUI while jobs
    run. What is made later is still collected as usual. (No collection first: freezing
    is instant, a collection would delay the first paint.)"""
    gc.freeze()


def _show_crash(summary: str, details: str) -> None:
    Dialogs.error(
        QApplication.activeWindow(),
        "Something went wrong",
        f"{APP_NAME} hit an unexpected error and carried on; your drafts are saved.\n\n"
        f"{summary}\n\nThe details are in the log file.",
        details,
    )


def build_main_window(
    paths: AppPaths, overrides: ContextOverrides | None = None
) -> tuple[AppContext, MainWindow]:
    overrides = overrides or ContextOverrides()
    context = open_context(
        paths,
        sandbox=overrides.sandbox,
        aws_endpoint_url=overrides.aws_endpoint_url,
        database_url=overrides.database_url,
    )
    window = MainWindow(context, app_settings(paths), paths.log_dir / LOG_FILE)
    return context, window


class _Quit(Exception):
    pass


def _open_or_offer_fresh_start(
    paths: AppPaths, overrides: ContextOverrides | None
) -> tuple[AppContext, MainWindow]:
    """An unreadable database is never deleted: the user moves it aside or quits."""
    try:
        return build_main_window(paths, overrides)
    except DatabaseCorrupt as exc:
        log.error("%s", exc)
        choice = Dialogs.choose(
            None,
            "The database cannot be read",
            f"{exc}\n\nMove it aside and start with an empty database? The file is kept in "
            f"{exc.path.parent / 'backups'} so it can be rescued later. Or quit and restore it "
            "from a backup first.",
            ["Move it aside and start fresh"],
            details=exc.detail,
        )
        if choice is None:
            raise _Quit() from exc
        kept = move_aside(exc.path, exc.path.parent / "backups")
        context, window = build_main_window(paths, overrides)
        window.show_message(
            f"The unreadable database was moved to {kept}; this is a new, empty database."
        )
        return context, window


def run_gui(paths: AppPaths, argv: Sequence[str], overrides: ContextOverrides | None = None) -> int:
    install_qt_message_handler()
    app = create_application(argv)
    install_excepthook(_show_crash)
    try:
        context, window = _open_or_offer_fresh_start(paths, overrides)
    except _Quit:
        return 1
    except WrongDatabaseMode as exc:
        log.error("%s", exc)
        QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    except (SQLAlchemyError, OSError) as exc:
        log.exception("Could not open the database")
        QMessageBox.critical(
            None,
            APP_NAME,
            f"The database at {paths.database} could not be opened:\n\n{exc}\n\n"
            "Check that the folder exists and is writable, then start again.",
        )
        return 1
    window.show()
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    QTimer.singleShot(0, freeze_startup_objects)  # once the first events are handled
    if os.environ.get(PROBE_ENV):  # benchmarks only: see ui/probe.py
        from ui.probe import install

        install(window)
    log.info("%s %s started; data in %s", APP_NAME, __version__, paths.data_dir)
    code = app.exec()
    context.close()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    from byok_desktop.paths import resolve_paths

    sys.exit(run_gui(resolve_paths(), sys.argv))
