"""Start the GUI: application object, logging hooks, the main window's frame, then the
database and the pages once the frame is painted.

Only Qt and light modules are imported here; the database layer (SQLAlchemy, Alembic),
keyring and boto3 load after the window is on screen (see docs/performance.md)."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from byok_desktop import APP_ID, APP_NAME, __version__
from byok_desktop.logging_setup import LOG_FILE
from byok_desktop.overrides import ContextOverrides
from byok_desktop.paths import AppPaths
from ui.main_window import MainWindow
from ui.qt_logging import install_excepthook, install_qt_message_handler
from ui.resources import icon, stylesheet_template
from ui.settings import app_settings
from ui.theme import install_theme

if TYPE_CHECKING:
    from byok_desktop.context import AppContext

log = logging.getLogger("ui")


def create_application(argv: Sequence[str], appearance: str = "system") -> QApplication:
    """The application with its style and theme (``appearance``: the setting's value)."""
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
    install_theme(app, stylesheet_template(), appearance)
    return app


def freeze_startup_objects() -> None:
    """Move everything start-up made (modules, Qt wrappers, the database's metadata) out of
    the cyclic garbage collector's reach. A full collection holds the GIL for as long as it
    scans, and it would rescan all of that each time: ~80 ms stalls of the GUI while jobs
    run. What is made later is still collected as usual. (No collection first: freezing
    is instant, a collection would delay the first paint.)"""
    gc.freeze()


def _show_crash(summary: str, details: str) -> None:
    from ui.dialogs import Dialogs

    Dialogs.error(
        QApplication.activeWindow(),
        "Something went wrong",
        f"{APP_NAME} hit an unexpected error and carried on; your drafts are saved.\n\n"
        f"{summary}\n\nThe details are in the log file.",
        details,
    )


def _open(paths: AppPaths, overrides: ContextOverrides | None) -> AppContext:
    from byok_desktop.context import open_context

    overrides = overrides or ContextOverrides()
    return open_context(
        paths,
        sandbox=overrides.sandbox,
        aws_endpoint_url=overrides.aws_endpoint_url,
        database_url=overrides.database_url,
    )


def build_main_window(
    paths: AppPaths, overrides: ContextOverrides | None = None
) -> tuple[AppContext, MainWindow]:
    """Open the context and a window on it at once (tests and tools)."""
    context = _open(paths, overrides)
    window = MainWindow(context, app_settings(paths), paths.log_dir / LOG_FILE)
    return context, window


def _sandbox_hint(paths: AppPaths, overrides: ContextOverrides | None) -> bool:
    """Whether this run is in the sandbox, to mark the frame before the context opens (it
    reads the same settings, so the two agree)."""
    if overrides is not None and overrides.sandbox is not None:
        return overrides.sandbox
    from byok_desktop.settings import load_settings

    return load_settings(paths.core_settings_file).sandbox


def _appearance(paths: AppPaths) -> str:
    """The Appearance setting, read before the first paint so that the frame is drawn
    in its colours at once."""
    from byok_desktop.settings import load_settings

    return load_settings(paths.core_settings_file).appearance


class _Quit(Exception):
    pass


def _open_or_offer_fresh_start(
    paths: AppPaths, overrides: ContextOverrides | None, window: MainWindow
) -> AppContext:
    """An unreadable database is never deleted: the user moves it aside or quits."""
    from byok_desktop.errors import DatabaseCorrupt
    from byok_desktop.store.database import move_aside
    from ui.dialogs import Dialogs

    try:
        return _open(paths, overrides)
    except DatabaseCorrupt as exc:
        log.error("%s", exc)
        choice = Dialogs.choose(
            window,
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
        context = _open(paths, overrides)
        context.warnings.append(
            f"The unreadable database was moved to {kept}; this is a new, empty database."
        )
        return context


def _open_for(
    window: MainWindow, paths: AppPaths, overrides: ContextOverrides | None
) -> AppContext | None:
    """Open the context for the shown frame; on failure say why and return None."""
    from PySide6.QtWidgets import QMessageBox

    from byok_desktop.context import WrongDatabaseMode
    from byok_desktop.errors import StorageError

    try:
        return _open_or_offer_fresh_start(paths, overrides, window)
    except _Quit:
        return None
    except WrongDatabaseMode as exc:
        log.error("%s", exc)
        QMessageBox.critical(window, APP_NAME, str(exc))
        return None
    except (StorageError, OSError) as exc:
        log.exception("Could not open the database")
        QMessageBox.critical(
            window,
            APP_NAME,
            f"The database at {paths.database} could not be opened:\n\n{exc}\n\n"
            "Check that the folder exists and is writable, then start again.",
        )
        return None


def run_gui(paths: AppPaths, argv: Sequence[str], overrides: ContextOverrides | None = None) -> int:
    install_qt_message_handler()
    app = create_application(argv, _appearance(paths))
    install_excepthook(_show_crash)
    window = MainWindow(
        None,
        app_settings(paths),
        paths.log_dir / LOG_FILE,
        sandbox=_sandbox_hint(paths, overrides),
    )
    if os.environ.get("BYOK_DESKTOP_PROBE"):  # ui.probe.PROBE_ENV: benchmarks only
        from ui.probe import install

        install(window)
    opened: list[AppContext] = []

    def open_data() -> None:
        context = _open_for(window, paths, overrides)
        if context is None:
            app.exit(1)
            return
        opened.append(context)
        window.attach(context)
        freeze_startup_objects()
        log.info("%s %s started; data in %s", APP_NAME, __version__, paths.data_dir)

    window.first_painted.connect(open_data)
    window.show()
    code = app.exec()
    # Work still on the thread pool (a page's first load when the app quits at once) must
    # end before the context closes and the interpreter goes.
    window.ops.wait()
    for context in opened:
        context.close()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    from byok_desktop.paths import resolve_paths

    sys.exit(run_gui(resolve_paths(), sys.argv))
