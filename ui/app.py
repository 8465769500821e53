"""Start the GUI: application object, logging hooks, database, main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from byok_desktop import APP_ID, APP_NAME, __version__
from byok_desktop.context import AppContext, ContextOverrides, WrongDatabaseMode, open_context
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.paths import AppPaths
from ui.dialogs import Dialogs
from ui.main_window import MainWindow
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
        paths, sandbox=overrides.sandbox, aws_endpoint_url=overrides.aws_endpoint_url
    )
    window = MainWindow(context, app_settings(paths), paths.log_dir / LOG_FILE)
    return context, window


def run_gui(paths: AppPaths, argv: Sequence[str], overrides: ContextOverrides | None = None) -> int:
    install_qt_message_handler()
    app = create_application(argv)
    install_excepthook(_show_crash)
    try:
        context, window = build_main_window(paths, overrides)
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
    log.info("%s %s started; data in %s", APP_NAME, __version__, paths.data_dir)
    code = app.exec()
    context.close()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    from byok_desktop.paths import resolve_paths

    sys.exit(run_gui(resolve_paths(), sys.argv))
