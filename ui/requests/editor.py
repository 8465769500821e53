"""The request form: every field, checked as the user types, saved automatically."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.changes import Changes, Kind
from byok_desktop.jobs.customer_role import CustomerKit
from byok_desktop.locations import Location
from byok_desktop.outbox import Copied, KeptDraft, Landed
from byok_desktop.products import PRODUCT_ORDER, Product
from byok_desktop.request import Field, RequestDraft, RequestStatus, new_uid
from byok_desktop.request_fields import FORM, FieldSpec, InputKind
from byok_desktop.request_records import (
    CannotWithdraw,
    RequestLocked,
    RequestNotFound,
    StoredRequest,
    VersionConflict,
)
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import SiteClaim, Validation, site_key, validate_as_typed
from ui.operations import Executor, Operations, Ticket
from ui.reflow import wrap_forms_below, wrapping_check
from ui.requests.customer_role import CustomerRoleTools
from ui.requests.faults import Fault, classify, reason
from ui.requests.model import STATUS_ICONS
from ui.requests.outbox import OutboxSync
from ui.resources import icon

log = logging.getLogger("ui.requests")

AUTOSAVE_MS = 600
# Narrower than this (px), the form puts its labels above the fields.
FORM_BREAKPOINT = 560
SITE_CHECK_MS = 250  # the pause in typing after which the site's records are read
# Newest wins within each (an older read's result is dropped).
SITE_CHECK_KEY = "editor-site-check"
LOAD_KEY = "editor-load"
RELOAD_KEY = "editor-reload"
OFFLINE_TEXT = "Offline — your edits are kept here and saved when the database is back"
KEPT_TEXT = "Offline — kept on this workstation; saved to the team database when it is back"
LABEL_WIDTH = 170


class SiteFacts(NamedTuple):
    """What the database holds on a site, as the editor's site rule needs it."""

    claims: list[SiteClaim]
    pinned: Location | None


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class _Banner(QFrame):
    """A coloured strip with a message and optional buttons."""

    def __init__(self, object_name: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel(text)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # user text, never markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self._buttons = layout

    def add_button(self, text: str, object_name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(object_name)
        self._buttons.addWidget(button)
        return button


class _FieldBox(QWidget):
    """An input with its problems (red) and notes (grey) underneath."""

    def __init__(self, field: Field, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.content = content
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(content)
        self.errors = QLabel()
        self.errors.setTextFormat(Qt.TextFormat.PlainText)  # user text, never markup
        self.errors.setObjectName("fieldError")
        self.errors.setWordWrap(True)
        self.errors.setAccessibleName(f"{field.label} problems")
        self.errors.hide()
        layout.addWidget(self.errors)
        self.notes = QLabel()
        self.notes.setTextFormat(Qt.TextFormat.PlainText)  # user text, never markup
        self.notes.setObjectName("fieldHint")
        self.notes.setWordWrap(True)
        self.notes.hide()
        layout.addWidget(self.notes)

    def show_findings(self, problems: list[str], notes: list[str]) -> None:
        self.errors.setText("\n".join(f"• {p}" for p in problems))
        self.errors.setVisible(bool(problems))
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        inputs = [self.content, *self.content.findChildren(QLineEdit)]
        for widget in inputs:
            if widget.property("invalid") != bool(problems):
                widget.setProperty("invalid", bool(problems))
                _repolish(widget)


class RequestEditor(QWidget):
    """Edits one stored request. Every change is validated at once and saved after a
    short pause, so closing the window or a crash keeps the draft.

    The editor never waits on the database. The pure rules run on every keystroke; the
    site's records (its claims and pinned location) are read on the database worker after
    a short pause and cached per site; loading, saving and withdrawing run there too. A
    failure of the link shows one banner, keeps every edit and retries with backoff.
    """

    saved = Signal(int)  # request id
    request_copied = Signal(int)  # a conflict was resolved by saving a copy
    withdrawn = Signal(int)  # a submitted request was taken back for editing
    # A save round ended: True when nothing is left unsaved, False when it failed (the
    # banner says why; the edits stay). The window waits for it at quit (save_now).
    save_finished = Signal(bool)
    # The database stopped answering (why): the window shows its one banner for it.
    link_lost = Signal(str)
    shown = Signal(object)  # the id of the request now shown (None: nothing)
    # A load or command waited for unsaved edits that could not be saved.
    blocked = Signal(str)

    # Seconds between retries while the database is out of reach (tests shorten them).
    RETRY_DELAYS_MS: tuple[int, ...] = (1_000, 2_000, 4_000, 8_000, 16_000, 30_000)

    def __init__(
        self,
        store: RequestStore,
        ops: Operations,
        parent: QWidget | None = None,
        outbox: OutboxSync | None = None,
        customer: CustomerKit | None = None,
    ) -> None:
        """With ``outbox`` (a team database), edits that cannot reach the database are
        kept on this workstation and the editor shows requests not in it yet. With
        ``customer``, the role field shows the account's ExternalId and offers the
        customer's setup kit."""
        super().__init__(parent)
        self.setObjectName("requestEditor")
        self._store = store
        self._ops = ops
        self.customer_tools: CustomerRoleTools | None = (
            CustomerRoleTools(ops, customer) if customer is not None else None
        )
        # The request's edits live in the outbox until it has pushed them (see _keep).
        self._outbox = outbox
        self._kept = False
        self._keep_uid = ""  # the uid of the draft being kept
        if outbox is not None:
            outbox.landed.connect(self._draft_landed)
            outbox.copied.connect(self._draft_copied)
        self._stored: StoredRequest | None = None
        self._as_shown: dict[str, str] = {}  # the text fields as first shown (see draft())
        self._dirty = False
        self._loading = False  # the widgets are being filled: not an edit
        self._show_all = False
        self._touched: set[Field] = set()
        self._conflict: VersionConflict | None = None
        self.validation: Validation | None = None

        # Saving: one save at a time; the edits it carries are counted (see _saved).
        self._edits = 0
        self._save_ticket: Ticket | None = None
        self._save_sent: tuple[int, dict[str, str]] = (0, {})
        self._save_wanted = False  # save_now(): save again at once if more was typed
        self._after_save: list[Callable[[], None]] = []
        self._refused = "Your edits could not be saved; they are still in the editor."
        # Loading: the request asked for, while its read runs (or waits for a save).
        self._load_ticket: Ticket | None = None
        self._loading_id: int | None = None
        self._pending_load: int | None = None
        self._has_pending_load = False
        # The site's records as last read, per (site key, request id); a change to
        # requests or products empties the cache (the generation drops reads in flight).
        self._site_facts: dict[tuple[str, int], SiteFacts] = {}
        self._site_generation = 0
        self._after_check: list[Callable[[], None]] = []
        # True in the main window, which shows one banner for a lost link (link_lost).
        self.link_banner_elsewhere = False
        # A failure of the environment: one banner, retried with backoff.
        self._fault: Fault | None = None
        self._retries = 0

        self._timer = QTimer(self)
        self._timer.setObjectName("autosave")
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self._autosave)
        self._site_timer = QTimer(self)
        self._site_timer.setObjectName("siteCheck")
        self._site_timer.setSingleShot(True)
        self._site_timer.setInterval(SITE_CHECK_MS)
        self._site_timer.timeout.connect(self._check_site)
        self._retry_timer = QTimer(self)
        self._retry_timer.setObjectName("retry")
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.retry_now)

        self._build()
        self._show(None)

    # --- construction ------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        header = QWidget()
        header.setObjectName("editorHeader")
        head = QHBoxLayout(header)
        head.setContentsMargins(16, 10, 16, 6)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # user text, never markup
        self.title.setObjectName("editorTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setMinimumWidth(80)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(self.title, 1)
        self.status_icon = QLabel()
        head.addWidget(self.status_icon)
        self.status_label = QLabel()
        self.status_label.setObjectName("requestStatus")
        head.addWidget(self.status_label)
        self.show_all_button = QPushButton("Show all problems")
        self.show_all_button.setObjectName("showAllProblems")
        self.show_all_button.clicked.connect(self.show_all_problems)
        head.addWidget(self.show_all_button)
        outer.addWidget(header)

        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedState")
        self.saved_label.setWordWrap(True)  # the offline sentence in a narrow window
        self.saved_label.setContentsMargins(16, 0, 16, 4)
        outer.addWidget(self.saved_label)

        self.conflict_banner = _Banner("warningBanner")
        self.conflict_banner.setObjectName("conflictBanner")
        self.conflict_banner.setProperty("class", "warning")
        reload_button = self.conflict_banner.add_button("Load their version", "loadTheirs")
        reload_button.clicked.connect(self._load_theirs)
        copy_button = self.conflict_banner.add_button("Keep mine as a copy", "keepMineAsCopy")
        copy_button.clicked.connect(self._keep_mine_as_copy)
        self.conflict_banner.hide()
        outer.addWidget(self.conflict_banner)

        self.error_banner = _Banner("errorBanner")
        retry = self.error_banner.add_button("Try again", "retrySave")
        retry.clicked.connect(self.retry_now)
        self.error_banner.hide()
        outer.addWidget(self.error_banner)

        self.notice_banner = _Banner("infoBanner")
        self.notice_banner.setObjectName("noticeBanner")
        self.notice_banner.hide()
        outer.addWidget(self.notice_banner)

        self.locked_banner = _Banner("infoBanner")
        self.withdraw_button = self.locked_banner.add_button("Withdraw for editing", "withdraw")
        self.withdraw_button.setToolTip(
            "Take the request back while nothing of it is provisioned: its unfinished jobs "
            "are withdrawn and its products released."
        )
        self.withdraw_button.clicked.connect(self.withdraw)
        self.locked_banner.hide()
        outer.addWidget(self.locked_banner)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Long messages wrap instead of widening the form past the window.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop itself: its fields are, and it scrolls to the one in focus.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(scroll, 1)
        body = QWidget()
        body.setObjectName("content")
        self._body = body
        scroll.setWidget(body)
        form = QVBoxLayout(body)
        form.setContentsMargins(16, 4, 16, 16)
        form.setSpacing(12)

        permanent = _Banner(
            "warningBanner",
            "BYOK is permanent: once provisioned, a BYOK product can never be converted to a "
            "product with vendor-managed keys, and its data can never move to another location.",
        )
        permanent.setObjectName("warningBanner")
        form.addWidget(permanent)
        # In the sandbox: which account its simulated AWS answers for (set_sandbox_account).
        self.sandbox_account_banner = _Banner("infoBanner")
        self.sandbox_account_banner.label.setObjectName("sandboxAccount")
        self.sandbox_account_banner.hide()
        form.addWidget(self.sandbox_account_banner)

        self.boxes: dict[Field, _FieldBox] = {}
        # The form follows the field declarations (byok_desktop.request_fields): each
        # field's widget comes from its kind; location and products have their own.
        self.lines: dict[Field, QLineEdit] = {}
        self.texts: dict[Field, QPlainTextEdit] = {}
        self.checks: dict[Field, QCheckBox] = {}
        chain: list[QWidget] = []
        self.forms: list[QFormLayout] = []
        for title, fields in FORM:
            group = self._group(title, form)
            for field in fields:
                chain.extend(self._add_field(group, field.spec))
        form.addStretch(1)
        # Labels above the fields in a narrow editor: the form never needs sideways room.
        wrap_forms_below(scroll.viewport(), body, self.forms, FORM_BREAKPOINT)

        self.org_edit = self.lines[Field.CUSTOMER_ORG]
        self.account_edit = self.lines[Field.AWS_ACCOUNT_ID]
        self.site_edit = self.lines[Field.SITE_NAME]
        self.users_edit = self.lines[Field.DESIRED_USERS]
        self.name_edit = self.lines[Field.REQUESTER_NAME]
        self.email_edit = self.lines[Field.REQUESTER_EMAIL]
        self.admin_check = self.checks[Field.REQUESTER_IS_ORG_ADMIN]
        self.notes_edit = self.texts[Field.NOTES]

        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.first_field: QWidget = chain[0]

    def set_sandbox_account(self, account_id: str) -> None:
        """Say which AWS account the sandbox plays (new sandbox requests start with it)."""
        self.sandbox_account_banner.label.setText(
            f"Sandbox: the sandbox plays AWS account {account_id}; its built-in Sandbox "
            "profile is verified for it. New requests start with that account."
        )
        self.sandbox_account_banner.show()

    def _add_field(self, layout: QFormLayout, spec: FieldSpec) -> list[QWidget]:
        """The field's row in the form; returns its widgets in tab order."""
        if spec.kind is InputKind.LINE:
            edit = self._line(spec)
            self.lines[spec.field] = edit
            if spec.field is Field.CUSTOMER_ROLE_ARN and self.customer_tools is not None:
                stacked = QWidget()
                stacked_layout = QVBoxLayout(stacked)
                stacked_layout.setContentsMargins(0, 0, 0, 0)
                stacked_layout.addWidget(edit)
                stacked_layout.addWidget(self.customer_tools)
                self._add(layout, spec.caption, spec.field, stacked, buddy=edit)
                tools = self.customer_tools
                return [edit, tools.external_id, tools.export_button]
            if spec.field is not Field.DESIRED_USERS and not spec.suffix:
                self._add(layout, spec.caption, spec.field, edit)
                return [edit]
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(edit, 1)
            if spec.suffix:
                row_layout.addWidget(QLabel(spec.suffix))
            if spec.field is Field.DESIRED_USERS:  # the tier the number falls in
                self.tier_label = QLabel()
                self.tier_label.setObjectName("tierLabel")
                self.tier_label.setWordWrap(True)
                row_layout.addWidget(self.tier_label, 1)
            self._add(layout, spec.caption, spec.field, row, buddy=edit)
            return [edit]
        if spec.kind is InputKind.MULTILINE:
            text = QPlainTextEdit()
            text.setObjectName(f"field_{spec.name}")
            text.setPlaceholderText(spec.placeholder)
            text.setAccessibleName(spec.label)
            text.setTabChangesFocus(True)
            text.setMinimumHeight(80)
            text.textChanged.connect(lambda f=spec.field: self._edited(f))
            self.texts[spec.field] = text
            self._add(layout, spec.caption, spec.field, text)
            return [text]
        if spec.kind is InputKind.CHECK:
            row, check = wrapping_check(spec.placeholder, f"field_{spec.name}")
            check.toggled.connect(lambda _checked, f=spec.field: self._edited(f))
            self.checks[spec.field] = check
            self._add(layout, spec.caption, spec.field, row, buddy=check)
            return [check]
        if spec.field is Field.LOCATION:
            return self._add_location(layout, spec)
        if spec.field is Field.PRODUCTS:
            return self._add_products(layout, spec)
        raise ValueError(f"The editor has no widget for {spec.field} ({spec.kind})")

    def _add_location(self, layout: QFormLayout, spec: FieldSpec) -> list[QWidget]:
        location_box = QWidget()
        location_box.setObjectName(f"field_{spec.name}")
        location_layout = QVBoxLayout(location_box)
        location_layout.setContentsMargins(0, 0, 0, 0)
        self.location_group = QButtonGroup(self)
        self.location_buttons: dict[Location, QRadioButton] = {}
        for location in Location:
            button = QRadioButton(location.display_name)
            button.setObjectName(f"location_{location.value}")
            button.setAccessibleDescription(location.regions_label())
            self.location_group.addButton(button)
            self.location_buttons[location] = button
            location_layout.addWidget(button)
            regions = QLabel(location.regions_label())
            regions.setObjectName("fieldHint")
            regions.setWordWrap(True)
            regions.setContentsMargins(24, 0, 0, 4)
            location_layout.addWidget(regions)
        self.location_group.buttonToggled.connect(self._location_toggled)
        self.pinned_label = QLabel()
        self.pinned_label.setTextFormat(Qt.TextFormat.PlainText)  # user text, never markup
        self.pinned_label.setObjectName("pinnedLocation")
        self.pinned_label.setWordWrap(True)
        self.pinned_label.hide()
        location_layout.addWidget(self.pinned_label)
        self._add(
            layout,
            spec.caption,
            spec.field,
            location_box,
            buddy=self.location_buttons[Location.EU],
        )
        return list(self.location_buttons.values())

    def _add_products(self, layout: QFormLayout, spec: FieldSpec) -> list[QWidget]:
        products_box = QWidget()
        products_box.setObjectName(f"field_{spec.name}")
        products_layout = QVBoxLayout(products_box)
        products_layout.setContentsMargins(0, 0, 0, 0)
        self.product_checks: dict[Product, QCheckBox] = {}
        for product in PRODUCT_ORDER:
            label = product.display_name + (" (early access)" if product.early_access else "")
            check = QCheckBox(label)
            check.setObjectName(f"product_{product.value}")
            check.toggled.connect(self._products_toggled)
            self.product_checks[product] = check
            products_layout.addWidget(check)
        self._add(
            layout,
            spec.caption,
            spec.field,
            products_box,
            buddy=self.product_checks[Product.JIRA_SOFTWARE],
        )
        return list(self.product_checks.values())

    def _group(self, title: str, parent_layout: QVBoxLayout) -> QFormLayout:
        group = QGroupBox(title)
        parent_layout.addWidget(group)
        layout = QFormLayout(group)
        self.forms.append(layout)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return layout

    def _line(self, spec: FieldSpec) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"field_{spec.name}")
        edit.setPlaceholderText(spec.placeholder)
        edit.setAccessibleName(spec.label)
        if spec.max_length is not None:
            edit.setMaxLength(spec.max_length)
        edit.textEdited.connect(lambda _text, f=spec.field: self._edited(f))
        if spec.tidy:
            edit.editingFinished.connect(self._tidy_field)
        return edit

    def _add(
        self,
        layout: QFormLayout,
        label: str,
        field: Field,
        content: QWidget,
        buddy: QWidget | None = None,
    ) -> None:
        box = _FieldBox(field, content)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.boxes[field] = box
        caption = QLabel(label)
        caption.setBuddy(buddy or content)
        caption.setMinimumWidth(LABEL_WIDTH)  # line the groups' fields up
        layout.addRow(caption, box)

    # --- state ---------------------------------------------------------------------

    @property
    def request_id(self) -> int | None:
        """The shown request's id; None when nothing is shown or the request is kept on
        this workstation and not in the database yet (see ``current``)."""
        return self._stored.id if self._stored and self._stored.id else None

    @property
    def kept_locally(self) -> bool:
        """True while the shown request's edits wait on this workstation (the outbox)."""
        return self._kept

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def has_unsaved_edits(self) -> bool:
        """True while something typed is not in the database yet (a save may be running)."""
        return self._dirty

    @property
    def saving(self) -> bool:
        return self._ops.is_pending(self._save_ticket)

    @property
    def busy_loading(self) -> bool:
        """True while a request asked for is being read (or waits for a save)."""
        return self._loading_id is not None or self._has_pending_load

    @property
    def offline(self) -> bool:
        return self._fault is Fault.OFFLINE

    def draft(self) -> RequestDraft:
        """The form's values as a draft (uid kept from the stored request)."""
        location = next(
            (loc for loc, button in self.location_buttons.items() if button.isChecked()), None
        )
        values: dict[str, Any] = {f.value: check.isChecked() for f, check in self.checks.items()}
        texts = self._texts()
        if self._stored is not None:
            # Qt's editors change some text as they show it (a leading U+FEFF goes, line
            # breaks become "\n"): a field the user has not changed keeps its stored value.
            stored = self._stored.draft
            texts = {
                name: getattr(stored, name) if text == self._as_shown.get(name) else text
                for name, text in texts.items()
            }
        values.update(texts)
        return RequestDraft(
            uid=self._stored.draft.uid if self._stored else new_uid(),
            location=location,
            products=frozenset(p for p, check in self.product_checks.items() if check.isChecked()),
            **values,
        )

    def _texts(self) -> dict[str, str]:
        """The text fields as the widgets hold them, by RequestDraft attribute."""
        return {
            **{field.value: edit.text() for field, edit in self.lines.items()},
            **{field.value: text.toPlainText() for field, text in self.texts.items()},
        }

    # --- loading -----------------------------------------------------------------------

    def load(self, request_id: int | None) -> None:
        """Show a stored request (None: nothing selected), read on the database worker.
        Pending edits are saved first; if they cannot be, the editor keeps them on screen
        and emits ``blocked``."""
        target = self._loading_id if self._loading_id is not None else self.request_id
        if request_id == target and not self._has_pending_load:
            return
        if self._dirty:
            self._pending_load = request_id
            self._has_pending_load = True
            self._refused = "Your edits could not be saved; they are still in the editor."
            if self.save_now() is None:
                self._block(self._refused)
            return
        self._start_load(request_id)

    def show_request(self, stored: StoredRequest) -> None:
        """Show a request the caller has just read or written (no read of its own)."""
        self._ops.drop(self._load_ticket)
        self._loading_id = None
        self._stored = None
        self._show(stored)

    def show_kept(self, kept: KeptDraft) -> None:
        """Show a draft kept on this workstation (a request drafted offline, or an edit
        waiting for the team database); its edits are kept there until it lands."""
        self._ops.drop(self._load_ticket)
        self._loading_id = None
        self._has_pending_load = False
        self._pending_load = None
        self._stored = None
        self._show(kept.as_stored(), kept=True)

    def _start_load(self, request_id: int | None) -> None:
        self._ops.drop(self._load_ticket)
        self._has_pending_load = False
        self._pending_load = None
        if request_id is None:
            self._loading_id = None
            self._show(None)
            return
        kept = self._outbox.kept_for(request_id) if self._outbox is not None else None
        if kept is not None:  # its newest text is on this workstation: no read
            self._loading_id = None
            self._show(kept.as_stored(), kept=True)
            return
        self._loading_id = request_id
        self._body.setEnabled(False)  # the shown request is leaving: no edits to it now
        self.saved_label.setText(f"Loading request #{request_id}…")
        store = self._store
        self._load_ticket = self._ops.run(
            lambda: store.get(request_id),
            self._loaded,
            self._load_failed,
            on=Executor.DATABASE,
            what=f"load request #{request_id}",
            owner=self,
            key=LOAD_KEY,
        )

    def _loaded(self, stored: StoredRequest) -> None:
        self._loading_id = None
        self._load_ticket = None
        self._link_works()
        self._stored = None
        # The outbox's list may have arrived while it was read: its newer text wins.
        kept = self._outbox.kept_for(stored.id) if self._outbox is not None else None
        if kept is not None:
            self._show(kept.as_stored(), kept=True)
        else:
            self._show(stored)

    def _load_failed(self, error: BaseException) -> None:
        self._load_ticket = None
        if isinstance(error, RequestNotFound):
            self._loading_id = None
            self._show(None)
            return
        self._fail(error, "load the request")

    def reload(self) -> None:
        """Show the stored request again if it changed elsewhere (its status may have).
        Unsaved edits win: a change made elsewhere surfaces as a conflict when they save."""
        if self._stored is None or self._dirty or self.busy_loading or self._kept:
            return
        store, request_id = self._store, self._stored.id
        self._ops.run(
            lambda: store.get(request_id),
            self._reloaded,
            self._reload_failed,
            on=Executor.DATABASE,
            what=f"read request #{request_id} again",
            owner=self,
            key=RELOAD_KEY,
        )

    def _reloaded(self, stored: StoredRequest) -> None:
        if self._stored is None or stored.id != self._stored.id:
            return  # another request is shown by now
        if self._dirty or self.busy_loading or self._kept or stored.version == self._stored.version:
            return
        self._stored = None
        self._show(stored)

    def _reload_failed(self, error: BaseException) -> None:
        if isinstance(error, RequestNotFound):
            return  # deleted elsewhere: the list drops it; a save would say so
        log.info("Request not read again: %s", error)

    def _show(self, stored: StoredRequest | None, kept: bool = False) -> None:
        self._stored = stored
        self._kept = kept
        self._dirty = False
        self._conflict = None
        self.notice_banner.hide()
        self._touched.clear()
        # A blank new request stays quiet; a draft reopened later shows what is missing.
        self._show_all = stored is not None and any(
            self._has_value(stored.draft, field) for field in Field
        )
        self.conflict_banner.hide()
        if self._fault is None:
            self.error_banner.hide()
        self.setEnabled(stored is not None)
        self._show_lock(stored)
        draft = stored.draft if stored else RequestDraft(uid="")
        self._loading = True
        try:
            # A stored value longer than the usual limit (an imported file) is shown
            # whole: the limit must never cut a value the user did not touch.
            for field, edit in self.lines.items():
                value = getattr(draft, field.value)
                limit = field.spec.max_length
                if limit is not None:
                    edit.setMaxLength(max(limit, len(value)))
                edit.setText(value)
            self.location_group.setExclusive(False)
            for location, button in self.location_buttons.items():
                button.setChecked(draft.location is location)
            self.location_group.setExclusive(True)
            for product, check in self.product_checks.items():
                check.setChecked(product in draft.products)
            for field, flag in self.checks.items():
                flag.setChecked(getattr(draft, field.value))
            for field, text in self.texts.items():
                text.setPlainText(getattr(draft, field.value))
            self._as_shown = self._texts()
        finally:
            self._loading = False
        self._update_saved_label()
        self.revalidate()
        self.shown.emit(self.request_id)

    def _show_lock(self, stored: StoredRequest | None) -> None:
        """Submitted requests are the record of what was provisioned: shown, not edited."""
        locked = stored is not None and stored.status.locked
        self._body.setEnabled(not locked)
        self.locked_banner.setVisible(locked)
        if stored is None or not locked:
            return
        when = stored.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if stored.status is RequestStatus.SUBMITTED:
            self.locked_banner.label.setText(
                f"Submitted for provisioning (last change {when}); read-only while its jobs "
                "run. Follow them on the Jobs screen. If nothing was provisioned yet you can "
                "withdraw it to edit it."
            )
        else:
            self.locked_banner.label.setText(
                f"Provisioned ({when}): this request is the record of its BYOK products and "
                "cannot change. Duplicate it (Ctrl+D) to start a new request."
            )
        self.withdraw_button.setVisible(stored.status is RequestStatus.SUBMITTED)

    @Slot()
    def withdraw(self) -> None:
        if self._stored is None:
            return
        store, request_id = self._store, self._stored.id
        self.withdraw_button.setEnabled(False)
        self._ops.run(
            lambda: store.withdraw(request_id),
            self._withdrew,
            self._withdraw_failed,
            on=Executor.DATABASE,
            what=f"withdraw request #{request_id}",
            owner=self,
        )

    def _withdrew(self, stored: StoredRequest) -> None:
        self.withdraw_button.setEnabled(True)
        self.error_banner.hide()
        self.show_request(stored)
        self.withdrawn.emit(stored.id)

    def _withdraw_failed(self, error: BaseException) -> None:
        self.withdraw_button.setEnabled(True)
        if not isinstance(error, CannotWithdraw | RequestNotFound) and classify(error) is Fault.BUG:
            log.error("Could not withdraw request", exc_info=error)
        self.error_banner.label.setText(f"Could not withdraw: {reason(error)}")
        self.error_banner.show()

    def apply_changes(self, changes: Changes) -> None:
        """Records changed (here or elsewhere): forget the sites' records as read, check
        the shown site again, and show the request again if it changed."""
        if changes.origin is self:
            return
        if changes.touches(Kind.REQUESTS) or changes.touches(Kind.PRODUCTS):
            self._site_generation += 1
            self._site_facts.clear()
            if self._stored is not None and not self.busy_loading:
                self.revalidate()
        if self._stored is not None and changes.touches_request(self._stored.id):
            self.reload()

    # --- editing --------------------------------------------------------------------

    def _edited(self, field: Field) -> None:
        if self._loading or self._stored is None:
            return
        self._touched.add(field)
        self._dirty = True
        self._edits += 1
        self._update_saved_label()
        self.revalidate()
        if self._conflict is None and not self._retry_timer.isActive():
            self._timer.start()  # while retrying, the retry saves

    @Slot(QAbstractButton, bool)
    def _location_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._edited(Field.LOCATION)

    @Slot(bool)
    def _products_toggled(self, _checked: bool) -> None:
        self._edited(Field.PRODUCTS)

    @Slot()
    def _tidy_field(self) -> None:
        """On Return or leaving a field, show it in canonical form (1234-5678-9012 → 123456789012)."""
        from byok_desktop.validation import normalised

        if self._stored is None:
            return
        current = self.draft()
        tidy = normalised(current)
        for field, edit in self.lines.items():
            if field.spec.tidy:
                before, after = getattr(current, field.value), getattr(tidy, field.value)
                if before != after:
                    edit.setText(after)

    def show_all_problems(self) -> None:
        self._show_all = True
        self.revalidate()
        if self.validation is not None:
            fields = self.validation.fields_with_problems()
            if fields:
                self.boxes[fields[0]].content.setFocus()

    @property
    def site_checked(self) -> bool:
        """True when the site rule has spoken: the site's records are read (or the name
        is not a valid site, so there is nothing to read)."""
        if self._stored is None:
            return False
        key = site_key(self.draft().site_name)
        return not key or (key, self._stored.id) in self._site_facts

    def revalidate(self) -> None:
        """Check every rule at once, with the site's records if they are read; never
        waits on the database (an unknown site is read after a pause, see _check_site)."""
        if self.customer_tools is not None:
            self.customer_tools.show_draft(self.draft() if self._stored is not None else None)
        if self._stored is None:
            self.validation = None
            self.title.setText("No request selected")
            self.status_label.clear()
            self.status_icon.clear()
            self.show_all_button.hide()
            self.tier_label.clear()
            self.pinned_label.hide()
            for box in self.boxes.values():
                box.show_findings([], [])
            return
        draft = self.draft()
        key = site_key(draft.site_name)
        facts = self._site_facts.get((key, self._stored.id)) if key else SiteFacts([], None)
        if facts is None:
            self._site_timer.start()  # read the site's records once the typing pauses
        else:
            self._site_timer.stop()
        result = validate_as_typed(draft, self._store.tiers, facts.claims if facts else None)
        self.validation = result
        for field, box in self.boxes.items():
            visible = self._show_all or field in self._touched or self._has_value(draft, field)
            box.show_findings(result.problems(field) if visible else [], result.notes(field))
        self.tier_label.setText(f"User tier: {result.tier.name}" if result.tier else "")
        self._show_pinned(draft, facts.pinned if facts else None)
        site = draft.site_name.strip() or "new request"
        if self._stored.id:
            self.title.setText(f"#{self._stored.id} · {site}")
        else:
            self.title.setText(f"{site} · not yet in the team database")
        count = result.problem_count
        if self._stored.status.locked:
            self.status_icon.setPixmap(
                icon(STATUS_ICONS[self._stored.status]).pixmap(QSize(18, 18))
            )
            self.status_label.setText(
                "Submitted: being provisioned"
                if self._stored.status is RequestStatus.SUBMITTED
                else "Provisioned: its products are BYOK-encrypted"
            )
            self.show_all_button.hide()
        elif result.status is RequestStatus.READY:
            self.status_icon.setPixmap(icon("status-ready").pixmap(QSize(18, 18)))
            self.status_label.setText(
                "Ready: every rule passes" if facts is not None else "Checking the site…"
            )
            self.show_all_button.hide()
        else:
            self.status_icon.setPixmap(icon("status-draft").pixmap(QSize(18, 18)))
            noun = "problem" if count == 1 else "problems"
            self.status_label.setText(f"Draft: {count} {noun} to fix")
            self.show_all_button.setVisible(not self._show_all)

    def _show_pinned(self, draft: RequestDraft, pinned: Location | None) -> None:
        """A site with BYOK products is pinned to their location: the others are locked."""
        for location, button in self.location_buttons.items():
            button.setEnabled(pinned is None or location is pinned)
        self.pinned_label.setVisible(pinned is not None)
        if pinned is not None:
            self.pinned_label.setText(
                f"{draft.site_name.strip()} already has BYOK products in "
                f"{pinned.display_name}; its data can never move, so this is fixed."
            )

    @Slot()
    def _check_site(self) -> None:
        """Read the typed site's claims and pinned location on the database worker; the
        newest check wins (an older one's result is dropped)."""
        if self._stored is None:
            return
        site_name = self.draft().site_name
        key = site_key(site_name)
        wanted = (key, self._stored.id)
        if not key or wanted in self._site_facts:
            return
        store, request_id, generation = self._store, self._stored.id, self._site_generation

        def read() -> tuple[tuple[str, int], int, SiteFacts]:
            claims = store.site_claims(site_name, request_id)
            return wanted, generation, SiteFacts(claims, store.site_location(key))

        self._ops.run(
            read,
            self._site_read,
            self._site_read_failed,
            on=Executor.DATABASE,
            what=f"check site {key}",
            owner=self,
            key=SITE_CHECK_KEY,
        )

    def after_site_checked(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the site rule has spoken on what is typed (at once if it
        has): the site's records are read now rather than after the typing pause."""
        if self.site_checked:
            then()
            return
        self._after_check.append(then)
        self._site_timer.stop()
        self._check_site()

    def _site_read(self, result: tuple[tuple[str, int], int, SiteFacts]) -> None:
        wanted, generation, facts = result
        if generation != self._site_generation:
            self._check_site()  # records changed while it was read: read them again
            return
        self._site_facts[wanted] = facts
        self._link_works()
        if self._stored is not None and wanted == (
            site_key(self.draft().site_name),
            self._stored.id,
        ):
            self.revalidate()
            then, self._after_check = self._after_check, []
            for call in then:
                call()

    def _site_read_failed(self, error: BaseException) -> None:
        # The site rule stays silent; the banner says the database is out of reach.
        if self._after_check:
            self._after_check.clear()
            self.blocked.emit("The site could not be checked; try again in a moment.")
        if classify(error) is Fault.BUG:
            log.error("Site check failed", exc_info=error)
            return
        self._fail(error, "check the site")

    @staticmethod
    def _has_value(draft: RequestDraft, field: Field) -> bool:
        value = getattr(draft, field.value)
        if isinstance(value, str):
            return bool(value.strip())
        return bool(value)

    def _update_saved_label(self) -> None:
        if self._stored is None:
            self.saved_label.clear()
        elif self._kept:
            self.saved_label.setText(KEPT_TEXT)
        elif self._fault is Fault.OFFLINE:
            self.saved_label.setText(OFFLINE_TEXT)
        elif self._fault is not None and self._dirty:
            self.saved_label.setText("Not saved yet — your edits are kept here")
        elif self.saving:
            self.saved_label.setText("Saving…")
        elif self._dirty:
            self.saved_label.setText("Editing… saved automatically")
        else:
            stamp = self._stored.updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            self.saved_label.setText(f"All changes saved · {stamp}")

    # --- saving -----------------------------------------------------------------------

    @Slot()
    def _autosave(self) -> None:
        self._start_save()

    def save_now(self) -> Ticket | None:
        """Save what is typed, on the database worker. Returns the running save's ticket,
        or None when there is nothing to save or it cannot be saved (a conflict waits for
        the user). ``save_finished`` says how it ended; if more is typed while it runs,
        that is saved at once after it."""
        if not self._dirty or self._stored is None or self._conflict is not None:
            return None
        self._save_wanted = True
        return self._start_save()

    def after_saved(self, then: Callable[[], None], refused: str) -> None:
        """Call ``then`` once nothing is left unsaved (at once when that is so already);
        if the edits cannot be saved, emit ``blocked(refused)`` instead."""
        if not self._dirty:
            then()
            return
        self._after_save.append(then)
        self._refused = refused
        if self.save_now() is None:
            self._after_save.clear()
            self._block(refused)

    def _start_save(self) -> Ticket | None:
        self._timer.stop()
        if self.saving:
            return self._save_ticket  # _saved sends what was typed meanwhile
        if not self._dirty or self._stored is None or self._conflict is not None:
            return None
        self._retry_timer.stop()
        if self._kept:
            return self._keep()
        draft = self.draft()
        self._save_sent = (self._edits, self._texts())
        store, request_id, version = self._store, self._stored.id, self._stored.version
        self._save_ticket = self._ops.run(
            lambda: store.save(request_id, draft, version),
            self._saved,
            self._save_failed,
            on=Executor.DATABASE,
            what=f"save request #{request_id}",
            owner=self,
        )
        self._update_saved_label()
        return self._save_ticket

    def _keep(self) -> Ticket | None:
        """Keep what is typed on this workstation (the outbox, on the pool): the team
        database is out of reach, or the request is not in it yet."""
        assert self._outbox is not None
        assert self._stored is not None
        draft = self.draft()
        self._save_sent = (self._edits, self._texts())
        self._keep_uid = draft.uid
        stored = self._stored
        self._save_ticket = self._outbox.keep(
            self,
            draft,
            stored.id or None,
            stored.version or None,
            self._kept_here,
            self._keep_failed,
        )
        self._update_saved_label()
        return self._save_ticket

    def _kept_here(self, kept: KeptDraft) -> None:
        self._save_ticket = None
        if self._stored is None or self._stored.draft.uid not in (self._keep_uid, kept.uid):
            return  # another request is shown by now; this one is kept all the same
        if not self._kept:
            self._save_round_ended(self._save_sent[0])
            return
        edits, texts = self._save_sent
        # What was kept is what the widgets showed then (the uid follows a copy).
        self._stored = replace(
            self._stored,
            id=kept.request_id or 0,
            version=kept.base_version or 0,
            draft=kept.draft,
        )
        self._as_shown = texts
        self._save_round_ended(edits)

    def _keep_failed(self, error: BaseException) -> None:
        # The workstation's own file refused (a full disk): the edits stay in memory.
        self._save_ticket = None
        self._save_wanted = False
        log.error("A draft could not be kept on this workstation", exc_info=error)
        self._fail(error, "keep on this workstation")
        self.save_finished.emit(False)
        if self._after_save or self._has_pending_load:
            self._after_save.clear()
            self._block(self._refused)

    def _saved(self, stored: StoredRequest) -> None:
        self._save_ticket = None
        edits, texts = self._save_sent
        self._stored = stored
        self._as_shown = texts  # what was just saved is what the widgets showed then
        self._dirty = self._edits != edits  # typed on while it saved: still to save
        self._link_works()
        self.saved.emit(stored.id)
        self._save_round_ended(edits)

    def _save_round_ended(self, edits: int) -> None:
        self._dirty = self._edits != edits  # typed on while it saved: still to save
        self._update_saved_label()
        self.revalidate()
        if self._dirty:
            if self._save_wanted or self._has_pending_load or self._after_save:
                self._start_save()
            else:
                self._timer.start()
            return
        self._save_wanted = False
        self.save_finished.emit(True)
        then, self._after_save = self._after_save, []
        for call in then:
            call()
        if self._has_pending_load:
            self._start_load(self._pending_load)

    def _save_failed(self, error: BaseException) -> None:
        self._save_ticket = None
        self._save_wanted = False
        assert self._stored is not None
        if isinstance(error, VersionConflict):
            self._conflict = error
            self.conflict_banner.label.setText(
                "This request was changed in another window or app since you opened it. "
                "Your edits here are not saved yet: load the other version, or keep yours "
                "as a new copy."
            )
            self.conflict_banner.show()
            log.warning("Version conflict on request %s", error.request_id)
        elif isinstance(error, RequestLocked):
            self._conflict = VersionConflict(self._stored.id, self._stored.version, -1)
            self.conflict_banner.label.setText(
                f"{error} It was submitted elsewhere; your edits here are not saved. Keep them "
                "as a new request, or load the submitted version."
            )
            self.conflict_banner.show()
        elif isinstance(error, RequestNotFound):
            self._conflict = VersionConflict(self._stored.id, self._stored.version, -1)
            self.conflict_banner.label.setText(
                "This request was deleted elsewhere. Keep your edits as a new request?"
            )
            self.conflict_banner.show()
        elif self._outbox is not None and classify(error) is Fault.OFFLINE:
            # A team database out of reach: the edits go to this workstation at once,
            # and reach the database with the outbox when it is back.
            self._kept = True
            self._fail(error, "save")
            self._keep()
            return
        else:
            self._fail(error, "save")
        self._update_saved_label()
        self.save_finished.emit(False)
        if self._after_save or self._has_pending_load:
            self._after_save.clear()
            self._block(self._refused)

    def _block(self, text: str) -> None:
        self._has_pending_load = False
        self._pending_load = None
        self.blocked.emit(text)

    # --- faults and retries ---------------------------------------------------------

    def _fail(self, error: BaseException, what: str) -> None:
        """One banner for whatever failed; the environment's failures retry by themselves."""
        fault = classify(error)
        why = reason(error)
        self._fault = fault
        if fault is Fault.BUG:
            log.error("Could not %s request %s", what, self.request_id, exc_info=error)
            self.error_banner.label.setText(
                f"Could not {what}: {why}. Your edits stay here; try again, and if it keeps "
                "failing, the log has the details."
            )
        else:
            delay = self.RETRY_DELAYS_MS[min(self._retries, len(self.RETRY_DELAYS_MS) - 1)]
            self._retries += 1
            if self._retries == 1:
                log.warning("Could not %s request %s: %s", what, self.request_id, why)
            else:
                log.info("Still cannot %s request %s: %s", what, self.request_id, why)
            self._retry_timer.start(delay)
            again = f"Trying again in {max(1, round(delay / 1000))} s."
            if fault is Fault.OFFLINE and self._kept:
                self.error_banner.label.setText(
                    f"Cannot reach the team database ({why}). Your edits are kept on this "
                    f"workstation and saved to it when it is back. {again}"
                )
            elif fault is Fault.OFFLINE:
                self.error_banner.label.setText(
                    f"Cannot reach the database ({why}). Your edits stay here and are saved "
                    f"when it is back. {again}"
                )
            if fault is Fault.OFFLINE:
                self.link_lost.emit(str(why))
            else:
                self.error_banner.label.setText(
                    f"Could not {what}: {why}. Your edits stay here; they are saved as soon as "
                    f"the database accepts them (check disk space and folder permissions). "
                    f"{again}"
                )
        # Offline in a window that shows one banner for the lost link: the status line
        # says what happens to the edits, the window's banner the rest.
        offline_elsewhere = fault is Fault.OFFLINE and self.link_banner_elsewhere
        self.error_banner.setVisible(not offline_elsewhere)
        self._update_saved_label()

    def _link_works(self) -> None:
        if self._fault is None:
            return
        self._fault = None
        self._retries = 0
        self._retry_timer.stop()
        self.error_banner.hide()
        log.info("The database answers again")
        self._update_saved_label()
        if self._kept and self._outbox is not None:
            self._outbox.link_back()  # the kept edits go first
        elif self._dirty and not self.saving and self._conflict is None:
            self._timer.start()  # what waited for the link is saved now

    @Slot()
    def retry_now(self) -> None:
        """Try again what failed: the load asked for, the unsaved edits, the site check."""
        self._retry_timer.stop()
        if self._loading_id is not None and not self._ops.is_pending(self._load_ticket):
            self._start_load(self._loading_id)
        elif self._dirty:
            self._start_save()
        elif self._stored is not None:
            self._check_site()
            if self._fault is not None and self.site_checked:
                self._link_works()

    # --- the outbox ----------------------------------------------------------------------

    @Slot(object)
    def _draft_landed(self, landed: Landed) -> None:
        """A kept draft reached the database. If it is the one shown, the editor now
        edits the stored request: the text, cursor and focus stay as they are."""
        if self._stored is None or landed.uid != self._stored.draft.uid:
            return
        self._link_works()
        stored = landed.stored
        if not self._kept:
            return
        if landed.done and not self.saving:
            # Everything kept is in: the editor saves to the database again. The shown
            # draft is what was kept (the widgets' text), the id and version the stored.
            self._kept = False
            self._stored = replace(stored, draft=self._stored.draft)
            self.saved.emit(stored.id)
            if self._dirty:
                self._timer.start()
        else:  # more was kept while it was pushed: the outbox saves that next
            self._stored = replace(self._stored, id=stored.id, version=stored.version)
        self._update_saved_label()
        self.revalidate()
        self.shown.emit(self.request_id)

    def adopt_kept(self) -> None:
        """The outbox's list arrived (at start): a shown request whose newer text waits
        on this workstation shows that text."""
        if self._outbox is None or self._stored is None or not self._stored.id:
            return
        if self._kept or self._dirty or self.saving or self.busy_loading:
            return
        kept = self._outbox.kept_for(self._stored.id)
        if kept is not None:
            self._show(kept.as_stored(), kept=True)

    @Slot(object)
    def _draft_copied(self, copied: Copied) -> None:
        """A kept edit met a change made elsewhere: it goes on as a new request."""
        if self._stored is None or copied.old_uid != self._stored.draft.uid:
            return
        self._stored = replace(
            self._stored, id=0, version=0, draft=self._stored.draft.with_changes(uid=copied.new_uid)
        )
        self._kept = True
        self.notice_banner.label.setText(
            f"While the team database was out of reach, {copied.reason}. Your edits are kept "
            "as a new request, so neither change is lost."
        )
        self.notice_banner.show()
        self._update_saved_label()
        self.revalidate()
        self.shown.emit(self.request_id)

    # --- conflicts ---------------------------------------------------------------------

    @Slot()
    def _load_theirs(self) -> None:
        if self._stored is None:
            return
        request_id = self._stored.id
        self._dirty = False
        self._conflict = None
        self._start_load(request_id)

    @Slot()
    def _keep_mine_as_copy(self) -> None:
        draft = self.draft().with_changes(uid=new_uid())
        store = self._store
        self._ops.run(
            lambda: store.create(draft),
            self._copied,
            self._copy_failed,
            on=Executor.DATABASE,
            what="save a copy of the request",
            owner=self,
        )

    def _copied(self, stored: StoredRequest) -> None:
        self._dirty = False
        self.error_banner.hide()
        self.show_request(stored)
        self.request_copied.emit(stored.id)

    def _copy_failed(self, error: BaseException) -> None:
        if classify(error) is Fault.BUG:
            log.error("Could not save a copy", exc_info=error)
        self.error_banner.label.setText(
            f"Could not save a copy: {reason(error)}. Your edits stay here."
        )
        self.error_banner.show()

    @property
    def current(self) -> StoredRequest | None:
        return self._stored

    def stamp(self) -> datetime | None:
        return self._stored.updated_at if self._stored else None
