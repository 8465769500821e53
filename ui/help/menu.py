"""The Help menu and what its entries open. The window makes it with its frame, sets its
keys with the others (``set_shortcuts``) and hands it the context once the pages are
open (``attach``): Diagnose and About need the context's paths and database."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QDialog, QMainWindow

from byok_desktop import APP_NAME
from ui.operations import Executor, Operations, Ticket

if TYPE_CHECKING:
    from collections.abc import Callable

    from byok_desktop.context import AppContext
    from byok_desktop.doctor import Check
    from ui.help.about import AboutDialog
    from ui.help.diagnose import DiagnoseDialog
    from ui.help.documentation import DocumentationDialog
    from ui.help.shortcut_sheet import ShortcutSheet


class HelpMenu(QObject):
    def __init__(
        self,
        window: QMainWindow,
        ops: Operations,
        log_dir: Path,
        show_message: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._ops = ops
        self._log_dir = log_dir
        self._show_message = show_message
        self._context: AppContext | None = None
        self.sheet: ShortcutSheet | None = None
        self.documentation: DocumentationDialog | None = None
        self.diagnose: DiagnoseDialog | None = None
        self.about: AboutDialog | None = None
        self._checks_ticket: Ticket | None = None
        self.menu = window.menuBar().addMenu("&Help")

        def action(name: str, text: str, slot: Callable[[], None]) -> QAction:
            act = QAction(text, window)
            act.setObjectName(name)
            act.triggered.connect(slot)
            self.menu.addAction(act)
            window.addAction(act)  # its keys work wherever focus is
            return act

        self.shortcuts_action = action("showShortcuts", "&Keyboard shortcuts", self.show_shortcuts)
        self.documentation_action = action(
            "showDocumentation", "&Documentation", self.show_documentation
        )
        self.menu.addSeparator()
        self.log_folder_action = action("openLogFolder", "Open &log folder", self.open_log_folder)
        self.diagnose_action = action("diagnose", "D&iagnose…", self.show_diagnose)
        self.menu.addSeparator()
        self.about_action = action("about", f"&About {APP_NAME}", self.show_about)
        # They need the context: enabled once the pages are open.
        self.diagnose_action.setEnabled(False)
        self.about_action.setEnabled(False)

    def set_shortcuts(self) -> None:
        from ui.shortcuts import keys

        self.shortcuts_action.setShortcuts(keys("showShortcuts"))

    def attach(self, context: AppContext) -> None:
        self._context = context
        self.diagnose_action.setEnabled(True)
        self.about_action.setEnabled(True)

    # --- the entries ------------------------------------------------------------------

    @Slot()
    def show_shortcuts(self) -> None:
        from ui.help.shortcut_sheet import ShortcutSheet
        from ui.shortcuts import SHORTCUTS

        if self.sheet is None:
            self.sheet = ShortcutSheet(SHORTCUTS, self._window)
        self.sheet.search.clear()
        _raise(self.sheet)
        self.sheet.search.setFocus()

    @Slot()
    def show_documentation(self) -> None:
        from ui.help.documentation import DocumentationDialog, load_pages
        from ui.resources import DOCS_DIR

        if self.documentation is None:
            dialog = self.documentation = DocumentationDialog(self._window)
            self._ops.run(
                functools.partial(load_pages, DOCS_DIR),
                dialog.show_pages,
                dialog.show_failure,
                on=Executor.POOL,
                what="reading the documentation",
                owner=dialog,
            )
        _raise(self.documentation)

    @Slot()
    def open_log_folder(self) -> None:
        # xdg-open (or the platform's file manager) is started, not waited for.
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_dir))):
            self._show_message(f"No file manager could open the log folder; it is {self._log_dir}.")

    @Slot()
    def show_diagnose(self) -> None:
        from ui.help.diagnose import DiagnoseDialog

        if self.diagnose is None:
            self.diagnose = DiagnoseDialog(self._window)
            self.diagnose.run_again.connect(self._run_checks)
        if not self._ops.is_pending(self._checks_ticket):
            self._run_checks()
        _raise(self.diagnose)

    @Slot()
    def _run_checks(self) -> None:
        from byok_desktop.doctor import run_checks
        from byok_desktop.overrides import ContextOverrides

        context, dialog = self._context, self.diagnose
        assert context is not None
        assert dialog is not None
        now = context.settings
        overrides = ContextOverrides(
            sandbox=context.in_sandbox,
            aws_endpoint_url=now.aws_endpoint_url or None,
            database_url=now.database_url or None,
        )
        dialog.show_running()
        # The checks wait on the keyring, the network and files: on the pool, never here.
        self._checks_ticket = self._ops.run(
            functools.partial(
                run_checks, context.paths, overrides, context.credentials.secrets.backend
            ),
            self._checks_done,
            self._checks_failed,
            on=Executor.POOL,
            what="running the checks",
            key="help:diagnose",
            owner=dialog,
        )

    def _checks_done(self, checks: list[Check]) -> None:
        if self.diagnose is not None:
            self.diagnose.show_checks(checks)

    def _checks_failed(self, error: BaseException) -> None:
        from byok_desktop.exit_codes import classify

        if self.diagnose is not None:
            self.diagnose.show_failure(f"The checks could not run: {classify(error).message}")

    @Slot()
    def show_about(self) -> None:
        from byok_desktop.about import library_versions
        from ui.help.about import AboutDialog

        context = self._context
        assert context is not None
        if self.about is None:
            places = [
                ("Data folder", str(context.paths.data_dir)),
                ("Log folder", str(self._log_dir)),
                ("Database", context.database.location),
            ]
            if context.in_sandbox:
                places.append(("Mode", "Sandbox (simulated AWS on this computer)"))
            dialog = self.about = AboutDialog(places, self._window)
            self._ops.run(
                library_versions,
                dialog.show_versions,
                on=Executor.POOL,
                what="reading the libraries' versions",
                owner=dialog,
            )
        _raise(self.about)


def _raise(dialog: QDialog) -> None:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
