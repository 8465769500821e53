"""The request form: every field, checked as the user types, saved automatically."""

from __future__ import annotations

import itertools
import logging
from datetime import datetime

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

from byok_desktop.errors import StorageError
from byok_desktop.locations import Location
from byok_desktop.products import PRODUCT_ORDER, Product
from byok_desktop.request import Field, RequestDraft, RequestStatus, new_uid
from byok_desktop.request_records import (
    CannotWithdraw,
    RequestLocked,
    RequestNotFound,
    StoredRequest,
    VersionConflict,
)
from byok_desktop.store.requests import RequestStore
from byok_desktop.validation import Validation, site_key
from ui.requests.model import STATUS_ICONS
from ui.resources import icon

# How much a user can type into the short fields (a stored longer value is kept whole).
ACCOUNT_MAX_LENGTH = 64
SITE_MAX_LENGTH = 200
USERS_MAX_LENGTH = 20

log = logging.getLogger("ui.requests")

AUTOSAVE_MS = 600
LABEL_WIDTH = 170


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
    short pause, so closing the window or a crash keeps the draft."""

    saved = Signal(int)  # request id
    request_copied = Signal(int)  # a conflict was resolved by saving a copy
    withdrawn = Signal(int)  # a submitted request was taken back for editing

    def __init__(self, store: RequestStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestEditor")
        self._store = store
        self._stored: StoredRequest | None = None
        self._as_shown: dict[str, str] = {}  # the text fields as first shown (see draft())
        self._dirty = False
        self._loading = False
        self._show_all = False
        self._touched: set[Field] = set()
        self._conflict: VersionConflict | None = None
        self.validation: Validation | None = None

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.flush)

        self._build()
        self.load(None)

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
        retry.clicked.connect(self.flush)
        self.error_banner.hide()
        outer.addWidget(self.error_banner)

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

        self.boxes: dict[Field, _FieldBox] = {}

        # Customer
        customer = self._group("Customer", form)
        self.org_edit = self._line(Field.CUSTOMER_ORG, "Customer's organization name")
        self._add(customer, "Customer &organization", Field.CUSTOMER_ORG, self.org_edit)
        self.account_edit = self._line(Field.AWS_ACCOUNT_ID, "12 digits, e.g. 012345678901")
        self.account_edit.setMaxLength(ACCOUNT_MAX_LENGTH)
        self._add(customer, "&AWS account ID", Field.AWS_ACCOUNT_ID, self.account_edit)
        site_row = QWidget()
        site_layout = QHBoxLayout(site_row)
        site_layout.setContentsMargins(0, 0, 0, 0)
        self.site_edit = self._line(Field.SITE_NAME, "e.g. acme")
        self.site_edit.setMaxLength(SITE_MAX_LENGTH)
        site_layout.addWidget(self.site_edit, 1)
        site_layout.addWidget(QLabel(".atlassian.net"))
        self._add(customer, "Cloud &site name", Field.SITE_NAME, site_row, buddy=self.site_edit)

        # Plan
        plan = self._group("Plan", form)
        users_row = QWidget()
        users_layout = QHBoxLayout(users_row)
        users_layout.setContentsMargins(0, 0, 0, 0)
        self.users_edit = self._line(Field.DESIRED_USERS, "e.g. 1500")
        self.users_edit.setMaxLength(USERS_MAX_LENGTH)
        users_layout.addWidget(self.users_edit, 1)
        self.tier_label = QLabel()
        self.tier_label.setObjectName("tierLabel")
        self.tier_label.setWordWrap(True)
        users_layout.addWidget(self.tier_label, 1)
        self._add(
            plan, "Desired number of &users", Field.DESIRED_USERS, users_row, buddy=self.users_edit
        )

        location_box = QWidget()
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
            plan,
            "Data residency &location",
            Field.LOCATION,
            location_box,
            buddy=self.location_buttons[Location.EU],
        )

        products_box = QWidget()
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
            plan,
            "&Products",
            Field.PRODUCTS,
            products_box,
            buddy=self.product_checks[Product.JIRA_SOFTWARE],
        )

        # Requester
        requester = self._group("Requester (an org admin of the customer)", form)
        self.name_edit = self._line(Field.REQUESTER_NAME, "Full name")
        self._add(requester, "&Name", Field.REQUESTER_NAME, self.name_edit)
        self.email_edit = self._line(Field.REQUESTER_EMAIL, "name@customer.com")
        self._add(requester, "&Email", Field.REQUESTER_EMAIL, self.email_edit)
        self.admin_check = QCheckBox("Confirmed: an org admin of the customer's organization")
        self.admin_check.setObjectName("field_requester_is_org_admin")
        self.admin_check.toggled.connect(self._admin_toggled)
        self._add(requester, "Org admin", Field.REQUESTER_IS_ORG_ADMIN, self.admin_check)

        notes_group = self._group("Notes", form)
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("field_notes")
        self.notes_edit.setPlaceholderText("Anything the provisioning team should know")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setMinimumHeight(80)
        self.notes_edit.textChanged.connect(lambda: self._edited(Field.NOTES))
        self._add(notes_group, "No&tes", Field.NOTES, self.notes_edit)
        form.addStretch(1)

        chain: list[QWidget] = [
            self.org_edit,
            self.account_edit,
            self.site_edit,
            self.users_edit,
            *self.location_buttons.values(),
            *self.product_checks.values(),
            self.name_edit,
            self.email_edit,
            self.admin_check,
            self.notes_edit,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.first_field: QWidget = self.org_edit

    def _group(self, title: str, parent_layout: QVBoxLayout) -> QFormLayout:
        group = QGroupBox(title)
        parent_layout.addWidget(group)
        layout = QFormLayout(group)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return layout

    def _line(self, field: Field, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"field_{field.value}")
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(field.label)
        edit.textEdited.connect(lambda _text, f=field: self._edited(f))
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
        return self._stored.id if self._stored else None

    @property
    def dirty(self) -> bool:
        return self._dirty

    def draft(self) -> RequestDraft:
        """The form's values as a draft (uid kept from the stored request)."""
        location = next(
            (loc for loc, button in self.location_buttons.items() if button.isChecked()), None
        )
        texts = self._texts()
        if self._stored is not None:
            # Qt's editors change some text as they show it (a leading U+FEFF goes, line
            # breaks become "\n"): a field the user has not changed keeps its stored value.
            stored = self._stored.draft
            texts = {
                name: getattr(stored, name) if text == self._as_shown.get(name) else text
                for name, text in texts.items()
            }
        return RequestDraft(
            uid=self._stored.draft.uid if self._stored else new_uid(),
            location=location,
            products=frozenset(p for p, check in self.product_checks.items() if check.isChecked()),
            requester_is_org_admin=self.admin_check.isChecked(),
            **texts,
        )

    def _texts(self) -> dict[str, str]:
        """The text fields as the widgets hold them, by RequestDraft attribute."""
        return {
            "aws_account_id": self.account_edit.text(),
            "site_name": self.site_edit.text(),
            "desired_users": self.users_edit.text(),
            "customer_org": self.org_edit.text(),
            "requester_name": self.name_edit.text(),
            "requester_email": self.email_edit.text(),
            "notes": self.notes_edit.toPlainText(),
        }

    def load(self, request_id: int | None) -> None:
        """Show a stored request (None: nothing selected). Saves pending edits first."""
        if self._stored is not None and request_id == self._stored.id:
            return
        if self._dirty and not self.flush():
            return  # keep the unsaved text on screen; the banner says why
        stored = None
        if request_id is not None:
            try:
                stored = self._store.get(request_id)
            except RequestNotFound:
                stored = None
        self._show(stored)

    def _show(self, stored: StoredRequest | None) -> None:
        self._stored = stored
        self._dirty = False
        self._conflict = None
        self._touched.clear()
        # A blank new request stays quiet; a draft reopened later shows what is missing.
        self._show_all = stored is not None and any(
            self._has_value(stored.draft, field) for field in Field
        )
        self.conflict_banner.hide()
        self.error_banner.hide()
        self.setEnabled(stored is not None)
        self._show_lock(stored)
        draft = stored.draft if stored else RequestDraft(uid="")
        self._loading = True
        try:
            # A stored value longer than the usual limit (an imported file) is shown
            # whole: the limit must never cut a value the user did not touch.
            for edit, value, limit in (
                (self.account_edit, draft.aws_account_id, ACCOUNT_MAX_LENGTH),
                (self.site_edit, draft.site_name, SITE_MAX_LENGTH),
                (self.users_edit, draft.desired_users, USERS_MAX_LENGTH),
            ):
                edit.setMaxLength(max(limit, len(value)))
                edit.setText(value)
            self.location_group.setExclusive(False)
            for location, button in self.location_buttons.items():
                button.setChecked(draft.location is location)
            self.location_group.setExclusive(True)
            for product, check in self.product_checks.items():
                check.setChecked(product in draft.products)
            self.org_edit.setText(draft.customer_org)
            self.name_edit.setText(draft.requester_name)
            self.email_edit.setText(draft.requester_email)
            self.admin_check.setChecked(draft.requester_is_org_admin)
            self.notes_edit.setPlainText(draft.notes)
            self._as_shown = self._texts()
        finally:
            self._loading = False
        self._update_saved_label()
        self.revalidate()

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
        try:
            stored = self._store.withdraw(self._stored.id)
        except (CannotWithdraw, RequestNotFound, StorageError, OSError) as exc:
            self.error_banner.label.setText(f"Could not withdraw: {exc}")
            self.error_banner.show()
            return
        self._stored = None
        self._show(stored)
        self.withdrawn.emit(stored.id)

    def reload(self) -> None:
        """Show the stored request again (its status may have changed elsewhere)."""
        if self._stored is None or self._dirty:
            return
        try:
            stored = self._store.get(self._stored.id)
        except RequestNotFound:
            return
        if stored.version != self._stored.version:
            self._stored = None
            self._show(stored)

    # --- editing --------------------------------------------------------------------

    def _edited(self, field: Field) -> None:
        if self._loading or self._stored is None:
            return
        self._touched.add(field)
        self._dirty = True
        self._update_saved_label()
        self.revalidate()
        if self._conflict is None:
            self._timer.start()

    @Slot(QAbstractButton, bool)
    def _location_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._edited(Field.LOCATION)

    @Slot(bool)
    def _products_toggled(self, _checked: bool) -> None:
        self._edited(Field.PRODUCTS)

    @Slot(bool)
    def _admin_toggled(self, _checked: bool) -> None:
        self._edited(Field.REQUESTER_IS_ORG_ADMIN)

    @Slot()
    def _tidy_field(self) -> None:
        """On Return or leaving a field, show it in canonical form (1234-5678-9012 → 123456789012)."""
        from byok_desktop.validation import normalised

        if self._stored is None:
            return
        current = self.draft()
        tidy = normalised(current)
        for edit, before, after in (
            (self.account_edit, current.aws_account_id, tidy.aws_account_id),
            (self.site_edit, current.site_name, tidy.site_name),
            (self.users_edit, current.desired_users, tidy.desired_users),
        ):
            if before != after:
                edit.setText(after)

    def show_all_problems(self) -> None:
        self._show_all = True
        self.revalidate()
        if self.validation is not None:
            fields = self.validation.fields_with_problems()
            if fields:
                self.boxes[fields[0]].content.setFocus()

    def revalidate(self) -> None:
        if self._stored is None:
            self.validation = None
            self.title.setText("No request selected")
            self.status_label.clear()
            self.status_icon.clear()
            self.show_all_button.hide()
            self.tier_label.clear()
            for box in self.boxes.values():
                box.show_findings([], [])
            return
        draft = self.draft()
        result = self._store.validate(draft, self._stored.id)
        self.validation = result
        for field, box in self.boxes.items():
            visible = self._show_all or field in self._touched or self._has_value(draft, field)
            box.show_findings(result.problems(field) if visible else [], result.notes(field))
        self.tier_label.setText(f"User tier: {result.tier.name}" if result.tier else "")
        self._show_pinned(draft)
        site = draft.site_name.strip() or "new request"
        self.title.setText(f"#{self._stored.id} · {site}")
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
            self.status_label.setText("Ready: every rule passes")
            self.show_all_button.hide()
        else:
            self.status_icon.setPixmap(icon("status-draft").pixmap(QSize(18, 18)))
            noun = "problem" if count == 1 else "problems"
            self.status_label.setText(f"Draft: {count} {noun} to fix")
            self.show_all_button.setVisible(not self._show_all)

    def _show_pinned(self, draft: RequestDraft) -> None:
        """A site with BYOK products is pinned to their location: the others are locked."""
        pinned = self._store.site_location(site_key(draft.site_name))
        for location, button in self.location_buttons.items():
            button.setEnabled(pinned is None or location is pinned)
        self.pinned_label.setVisible(pinned is not None)
        if pinned is not None:
            self.pinned_label.setText(
                f"{draft.site_name.strip()} already has BYOK products in "
                f"{pinned.display_name}; its data can never move, so this is fixed."
            )

    @staticmethod
    def _has_value(draft: RequestDraft, field: Field) -> bool:
        value = getattr(draft, field.value)
        if isinstance(value, str):
            return bool(value.strip())
        return bool(value)

    def _update_saved_label(self) -> None:
        if self._stored is None:
            self.saved_label.clear()
        elif self._dirty:
            self.saved_label.setText("Editing… saved automatically")
        else:
            stamp = self._stored.updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            self.saved_label.setText(f"All changes saved · {stamp}")

    # --- saving -----------------------------------------------------------------------

    @Slot()
    def flush(self) -> bool:
        """Save now if there are unsaved edits. False when they could not be saved."""
        self._timer.stop()
        if not self._dirty or self._stored is None:
            return True
        if self._conflict is not None:
            return False
        draft = self.draft()
        try:
            stored = self._store.save(self._stored.id, draft, self._stored.version)
        except VersionConflict as exc:
            self._conflict = exc
            self.conflict_banner.label.setText(
                "This request was changed in another window or app since you opened it. "
                "Your edits here are not saved yet: load the other version, or keep yours "
                "as a new copy."
            )
            self.conflict_banner.show()
            log.warning("Version conflict on request %s", exc.request_id)
            return False
        except RequestLocked as exc:
            self._conflict = VersionConflict(self._stored.id, self._stored.version, -1)
            self.conflict_banner.label.setText(
                f"{exc} It was submitted elsewhere; your edits here are not saved. Keep them "
                "as a new request, or load the submitted version."
            )
            self.conflict_banner.show()
            return False
        except RequestNotFound:
            self._conflict = VersionConflict(self._stored.id, self._stored.version, -1)
            self.conflict_banner.label.setText(
                "This request was deleted elsewhere. Keep your edits as a new request?"
            )
            self.conflict_banner.show()
            return False
        except (StorageError, OSError) as exc:
            reason = getattr(exc, "orig", None) or exc
            log.error("Could not save request %s: %s", self._stored.id, reason)
            self.error_banner.label.setText(
                f"Could not save: {reason}. Your edits stay here; they are saved as soon as "
                "the database accepts them (check disk space and folder permissions)."
            )
            self.error_banner.show()
            return False
        self.error_banner.hide()
        self._stored = stored
        self._as_shown = self._texts()  # what was just saved is what the widgets show
        self._dirty = False
        self._update_saved_label()
        self.saved.emit(stored.id)
        return True

    @Slot()
    def _load_theirs(self) -> None:
        if self._stored is None:
            return
        request_id = self._stored.id
        self._dirty = False
        self._stored = None
        try:
            self._show(self._store.get(request_id))
        except RequestNotFound:
            self._show(None)

    @Slot()
    def _keep_mine_as_copy(self) -> None:
        draft = self.draft().with_changes(uid=new_uid())
        try:
            stored = self._store.create(draft)
        except (StorageError, OSError) as exc:
            self.error_banner.label.setText(f"Could not save a copy: {exc}. Your edits stay here.")
            self.error_banner.show()
            return
        self._dirty = False
        self._stored = None
        self._show(stored)
        self.request_copied.emit(stored.id)

    @property
    def current(self) -> StoredRequest | None:
        return self._stored

    def stamp(self) -> datetime | None:
        return self._stored.updated_at if self._stored else None
