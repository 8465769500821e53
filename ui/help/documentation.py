"""Help > Documentation: the manual pages shipped with the app (docs/*.md), shown here
with Qt's own Markdown support: no browser, no network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

# The pages a rep reads first; the rest follow by name.
FIRST = ("request-file.md", "user-tiers.md", "reliability.md")


@dataclass(frozen=True, slots=True)
class DocPage:
    file_name: str
    title: str
    markdown: str


def load_pages(folder: Path) -> list[DocPage]:
    """Read every page (off the GUI thread: files). A page's title is its first heading."""
    order = {name: i for i, name in enumerate(FIRST)}
    files = sorted(folder.glob("*.md"), key=lambda p: (order.get(p.name, len(FIRST)), p.name))
    pages = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        heading = next((line for line in text.splitlines() if line.startswith("# ")), "")
        # The heading as it reads, without Markdown's code and emphasis marks.
        title = heading[2:].strip().replace("`", "").replace("*", "")
        title = title or path.stem.replace("-", " ").capitalize()
        pages.append(DocPage(path.name, title, text))
    return pages


class DocumentationDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentation")
        self.setWindowTitle("Documentation")
        self.resize(1000, 700)
        self._pages: list[DocPage] = []
        layout = QVBoxLayout(self)
        body = QHBoxLayout()
        self.contents = QListWidget()
        self.contents.setObjectName("docContents")
        self.contents.setAccessibleName("Documentation pages")
        self.contents.setFixedWidth(260)
        self.contents.setWordWrap(True)  # long titles wrap rather than scroll sideways
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.currentRowChanged.connect(self._show)
        body.addWidget(self.contents)
        self.browser = QTextBrowser()
        self.browser.setObjectName("docBrowser")
        self.browser.setAccessibleName("Documentation page")
        self.browser.setOpenLinks(False)  # links between pages are handled here
        self.browser.anchorClicked.connect(self._follow)
        body.addWidget(self.browser, 1)
        layout.addLayout(body, 1)
        self.status = QLabel("Reading the documentation…")
        self.status.setObjectName("docStatus")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def show_pages(self, pages: list[DocPage]) -> None:
        self._pages = pages
        self.contents.clear()
        for page in pages:
            self.contents.addItem(page.title)
        self.status.setText(
            f"{len(pages)} pages shipped with this version."
            if pages
            else "No documentation was found in this installation."
        )
        if pages:
            self.contents.setCurrentRow(0)

    def show_failure(self, error: BaseException) -> None:
        self.status.setText(f"The documentation could not be read ({error}).")

    @Slot(int)
    def _show(self, row: int) -> None:
        if 0 <= row < len(self._pages):
            self.browser.setMarkdown(self._pages[row].markdown)

    @Slot(QUrl)
    def _follow(self, url: QUrl) -> None:
        name = Path(url.path()).name
        for row, page in enumerate(self._pages):
            if page.file_name == name:
                self.contents.setCurrentRow(row)
                return
        if url.scheme() in ("http", "https"):
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(url)
        elif url.hasFragment() and not url.path():
            self.browser.scrollToAnchor(url.fragment())
