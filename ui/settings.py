"""QSettings in one place: the user's profile, or beside the data for portable runs."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from byok_desktop import APP_ID
from byok_desktop.paths import AppPaths


def app_settings(paths: AppPaths) -> QSettings:
    if paths.portable:
        return QSettings(str(paths.settings_file), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_ID, APP_ID)
