"""Start the GUI: application object, logging hooks, the main window's frame, then the
database and the pages once the frame is painted.

Only Qt and light modules are imported here; the database layer (SQLAlchemy, Alembic),
keyring and boto3 load after the window is on screen (see docs/performance.md)."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QTimer
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

# The job worker starts this long after the data is open: not during the first paints.
WORKER_PRESTART_MS = 1500

if TYPE_CHECKING:
    from byok_desktop.context import AppContext

log = logging.getLogger("ui")

# At quit, how long network and keyring work still running may take before it is
# abandoned (the window already waited up to 3 s in Operations.shutdown).
QUIT_POOL_WAIT_MS = 1_000


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
    from byok_desktop.context import WrongDatabaseMode
    from byok_desktop.errors import StorageError
    from ui.dialogs import Dialogs

    try:
        return _open_or_offer_fresh_start(paths, overrides, window)
    except _Quit:
        return None
    except WrongDatabaseMode as exc:
        log.error("%s", exc)
        Dialogs.error(window, APP_NAME, str(exc))
        return None
    except (StorageError, OSError) as exc:
        log.exception("Could not open the database")
        Dialogs.error(
            window,
            APP_NAME,
            f"The database at {paths.database} could not be opened:\n\n{exc}\n\n"
            "Check that the folder exists and is writable, then start again.",
        )
        return None


def run_gui(
    paths: AppPaths,
    argv: Sequence[str],
    overrides: ContextOverrides | None = None,
    *,
    folder_problem: str = "",
    log_problem: str = "",
) -> int:
    """The app's life. ``folder_problem``: the data folder cannot be used (said in a
    dialog; exit 3); ``log_problem``: the log cannot be written (said in the window)."""
    install_qt_message_handler()
    app = create_application(argv, _appearance(paths))
    install_excepthook(_show_crash)
    if folder_problem:
        from ui.dialogs import Dialogs

        log.error("%s", folder_problem)
        Dialogs.error(None, APP_NAME, folder_problem)
        return 3  # byok_desktop.exit_codes.ExitCode.ENVIRONMENT
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
        if log_problem:
            context.warnings.append(log_problem[:1].upper() + log_problem[1:])
        window.attach(context)
        freeze_startup_objects()
        QTimer.singleShot(WORKER_PRESTART_MS, window.jobs.prestart)
        log.info("%s %s started; data in %s", APP_NAME, __version__, paths.data_dir)

    window.first_painted.connect(open_data)
    window.show()
    code = app.exec()
    # The database worker's last work (the last save, a job's stop) always ends first.
    # Network, keyring and file work on the pool gets a moment (a page's first load when
    # the app quits at once); a call stuck past it (a keyring that never answers) is
    # abandoned: the process ends without waiting for it.
    from ui.operations import Executor

    window.ops.wait(only=Executor.DATABASE)
    settled = window.ops.wait(QUIT_POOL_WAIT_MS, only=Executor.POOL)
    for context in opened:
        context.close()
    if window.restart_requested:  # "Reset sandbox…": the same command line again
        from PySide6.QtCore import QProcess

        QProcess.startDetached(sys.executable, sys.orig_argv[1:])
    if not settled:
        _exit_abandoning(int(code))
    return int(code)


def _exit_abandoning(code: int) -> NoReturn:
    """End the process now: a Qt pool thread stuck in a call would otherwise be waited
    for by the pool's destructor. The logs and streams are flushed first; settings were
    synced as the window closed."""
    log.warning("Quit with a keyring or network call still running; it is abandoned.")
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    from byok_desktop.paths import resolve_paths

    sys.exit(run_gui(resolve_paths(), sys.argv))
