"""Every keyboard shortcut of the app, declared once.

Each action that has keys looks them up here by its object name (``keys``), and the
Help > Keyboard shortcuts sheet lists this table, so the sheet cannot drift from what the
keys do. A test walks the window and fails on any shortcut missing from the table.

``ShortcutPriority`` lets the app's own shortcuts win over text fields' emacs-style keys:
on Linux a focused QLineEdit claims Ctrl+E (end of line) and Ctrl+D (delete) through
ShortcutOverride, which would make Export and Duplicate dead while the user types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence

Std = QKeySequence.StandardKey
Key = str | QKeySequence.StandardKey  # "Ctrl+D", or a platform's standard key

EVERYWHERE = "Everywhere"


@dataclass(frozen=True, slots=True)
class Shortcut:
    name: str  # the object name of the action (or button) that has the keys
    title: str  # the command, as the sheet shows it
    keys: tuple[Key, ...]
    where: str  # the screen where the keys work, or EVERYWHERE
    description: str

    def sequences(self) -> list[QKeySequence]:
        # A standard key is the platform's main binding for it (Ctrl+N for New).
        found = [QKeySequence(key) for key in self.keys]
        return [s for s in found if not s.isEmpty()]

    def text(self) -> str:
        """The keys as the user's platform writes them: "Ctrl+N, Ins"."""
        return ", ".join(
            s.toString(QKeySequence.SequenceFormat.NativeText) for s in self.sequences()
        )


SHORTCUTS: tuple[Shortcut, ...] = (
    # The window
    Shortcut(
        "showShortcuts",
        "Keyboard shortcuts",
        ("F1",),
        EVERYWHERE,
        "Show this list of shortcuts, searchable",
    ),
    Shortcut(
        "quit", "Quit", ("Ctrl+Q",), EVERYWHERE, "Close the app; unsaved edits are saved first"
    ),
    Shortcut(
        "goto_requests", "Go to Requests", ("Ctrl+1",), EVERYWHERE, "Show the Requests screen"
    ),
    Shortcut(
        "goto_security",
        "Go to Security › BYOK encryption",
        ("Ctrl+2",),
        EVERYWHERE,
        "Show the products and their keys",
    ),
    Shortcut("goto_jobs", "Go to Jobs", ("Ctrl+3",), EVERYWHERE, "Show the provisioning jobs"),
    Shortcut(
        "goto_credentials", "Go to Credentials", ("Ctrl+4",), EVERYWHERE, "Show the AWS profiles"
    ),
    Shortcut("goto_settings", "Go to Settings", ("Ctrl+5",), EVERYWHERE, "Show the settings"),
    Shortcut(
        "copyCells",
        "Copy",
        (Std.Copy,),
        "Any list",
        "Copy the full text of the selected rows (IDs cut short on screen are copied whole)",
    ),
    Shortcut(
        "copyValue",
        "Copy",
        (Std.Copy,),
        "A focused ID (key ARN, path)",
        "Copy the whole value, also when it is cut short on screen",
    ),
    # Requests
    Shortcut("newRequest", "New request", (Std.New,), "Requests", "Start a new draft request"),
    Shortcut(
        "saveRequest",
        "Save now",
        (Std.Save,),
        "Requests",
        "Save the request being edited (edits are also saved as you type)",
    ),
    Shortcut(
        "duplicateRequest",
        "Duplicate",
        ("Ctrl+D",),
        "Requests",
        "Copy the selected request into a new draft",
    ),
    Shortcut(
        "deleteRequests",
        "Delete",
        (Std.Delete,),
        "Requests list",
        "Delete the selected requests (asks first)",
    ),
    Shortcut(
        "exportRequests",
        "Export",
        ("Ctrl+E",),
        "Requests",
        "Save the selected requests to a request file",
    ),
    Shortcut(
        "importRequests", "Import", ("Ctrl+I",), "Requests", "Read requests from request files"
    ),
    Shortcut(
        "submitRequest",
        "Submit for provisioning",
        ("Ctrl+Return",),
        "Requests",
        "Create the keys in AWS for the selected Ready request",
    ),
    Shortcut("findRequests", "Find", (Std.Find,), "Requests", "Search the requests"),
    # Security (BYOK encryption)
    Shortcut(
        "checkHealth",
        "Check health",
        ("F5",),
        "Security",
        "Check the keys of the selected products in AWS, or of every product",
    ),
    Shortcut(
        "exportProductsCsv",
        "Export visible rows to CSV",
        ("Ctrl+E",),
        "Security",
        "Save the rows as filtered and sorted now to a CSV file",
    ),
    Shortcut("findProducts", "Find", (Std.Find,), "Security", "Search the products"),
    Shortcut(
        "rebuildFromAws",
        "Rebuild from AWS",
        ("Ctrl+Shift+R",),
        EVERYWHERE,
        "Read the keys this app made in an AWS account and rebuild the product records here",
    ),
    # Jobs
    Shortcut(
        "resumeJob",
        "Resume / Retry",
        ("Ctrl+R",),
        "Jobs",
        "Run the selected failed, cancelled or interrupted job again",
    ),
    # Credentials
    Shortcut(
        "addProfile", "Add profile", ("Ins", "Ctrl+Shift+N"), "Credentials", "Add an AWS profile"
    ),
    Shortcut(
        "signInNew",
        "Sign in with IAM Identity Center",
        ("Ctrl+Shift+I",),
        "Credentials",
        "Add a sign-in session, sign in in the browser and pick an account and role",
    ),
    Shortcut(
        "editProfile",
        "Edit profile",
        ("Return", "Enter", "F2"),
        "Credentials list",
        "Edit the selected profile",
    ),
    Shortcut(
        "verifyProfile",
        "Verify profile",
        ("Ctrl+R",),
        "Credentials",
        "Check the selected profile against AWS",
    ),
    Shortcut(
        "deleteProfile",
        "Delete profile",
        (Std.Delete,),
        "Credentials list",
        "Delete the selected profile (asks first)",
    ),
)

_BY_NAME = {s.name: s for s in SHORTCUTS}


def shortcut(name: str) -> Shortcut:
    return _BY_NAME[name]


def keys(name: str) -> list[QKeySequence]:
    """The key sequences of the action (or button) with object name ``name``."""
    found = _BY_NAME.get(name)
    return found.sequences() if found is not None else []  # an action without keys


class ShortcutPriority(QObject):
    def __init__(self, actions: Iterable[QAction], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys = {
            shortcut.toString()
            for action in actions
            for shortcut in action.shortcuts()
            if not shortcut.isEmpty()
        }

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed in self._keys:
                event.ignore()  # not overridden: the shortcut map triggers our action
                return True
        return super().eventFilter(watched, event)
