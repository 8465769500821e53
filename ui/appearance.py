"""Settings > Appearance: light or dark colours, or the operating system's choice.

Applied at once; saved through the SettingsService off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSizePolicy, QWidget

from byok_desktop.context import AppContext
from byok_desktop.settings import SettingsSaved
from ui.operations import Executor, Operations
from ui.theme import installed_theme

CHOICES = (
    ("system", "Same as the system"),
    ("light", "Light"),
    ("dark", "Dark"),
)


class AppearanceBox(QGroupBox):
    message = Signal(str)

    def __init__(self, context: AppContext, ops: Operations, parent: QWidget | None = None) -> None:
        super().__init__("Appearance", parent)
        self.setObjectName("appearanceBox")
        self._context = context
        self._ops = ops
        form = QFormLayout(self)
        self.scheme_combo = QComboBox()
        self.scheme_combo.setObjectName("colourScheme")
        self.scheme_combo.setAccessibleName("Colours")
        for value, label in CHOICES:
            self.scheme_combo.addItem(label, value)
        current = context.settings.appearance
        self.scheme_combo.setCurrentIndex(
            next((i for i, (value, _label) in enumerate(CHOICES) if value == current), 0)
        )
        self.scheme_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.scheme_combo.currentIndexChanged.connect(self._chosen)
        form.addRow("&Colours", self.scheme_combo)
        hint = QLabel("“Same as the system” switches with your desktop's light or dark mode.")
        hint.setObjectName("fieldHint")
        hint.setWordWrap(True)
        form.addRow(hint)

    @Slot(int)
    def _chosen(self, index: int) -> None:
        choice = str(self.scheme_combo.itemData(index))
        theme = installed_theme()
        if theme is not None:
            theme.follow(choice)
        service = self._context.settings_service
        self._ops.run(
            lambda: service.update(appearance=choice),
            self._saved,
            on=Executor.POOL,
            what="save the colour scheme",
            owner=self,
        )

    def _saved(self, _saved: SettingsSaved) -> None:
        self.message.emit("Colours saved.")
