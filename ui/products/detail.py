"""The detail pane of the products view: one product family's keys, access, policies and
timeline, plus what the user can do about it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from byok_desktop.findings import KeyHealth
from byok_desktop.product_records import FamilyAccess, KeyRecord, ProductDetail
from byok_desktop.products import JIRA_FAMILY_COVERED, ProductFamily
from byok_desktop.request import RequestDraft
from ui.elide import ElidedText
from ui.jobs.model import STEP_TITLES
from ui.page_header import tab_chain
from ui.products.model import (
    STATUS_ICONS,
    key_look,
    local_time,
    product_label,
)
from ui.reflow import ReflowBox
from ui.resources import icon
from ui.theme import colour

# Widths (px) from which the heading's actions sit beside the titles, and the overview's
# three columns side by side; narrower, they stack.
HEADING_BREAKPOINT = 980
OVERVIEW_BREAKPOINT = 860

NEVER_NON_BYOK = (
    "BYOK cannot be turned off: a BYOK product can never be converted to a non-BYOK "
    "product. To stop the key provider from using the keys, revoke key access instead."
)


def restorable(access: FamilyAccess, now: datetime | None = None) -> bool:
    """Revoked by this app and still inside the restore window (the core's rule)."""
    return access.restorable(now)


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1)} min"


def revocation_text(access: FamilyAccess, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if access.revoked_at is not None:
        revoked = f"Access revoked on {local_time(access.revoked_at)}."
        if access.restore_until is None:
            return f"{revoked} It can be restored."
        if now <= access.restore_until:
            left = _span((access.restore_until - now).total_seconds())
            return f"{revoked} Restorable for {left} (until {local_time(access.restore_until)})."
        return (
            f"{revoked} The restore window ended on {local_time(access.restore_until)}; "
            "access can no longer be restored from here (contact the vendor's support)."
        )
    if access.restored_at is not None:
        return f"Not revoked. Access was last restored on {local_time(access.restored_at)}."
    return "Not revoked: the key provider may use the keys."


def pretty_json(text: str) -> str:
    if not text.strip():
        return ""
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def _yes_no(value: bool | None, yes: str, no: str, unknown: str = "Not checked yet") -> str:
    return unknown if value is None else (yes if value else no)


def _clear(layout: QVBoxLayout | QFormLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()  # gone from the screen now, deleted when the loop is idle
            widget.deleteLater()


def _value(text: str = "", name: str = "") -> QLabel:
    """A value from the records: plain text, never markup (names may hold '<' or '&')."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _arn(text: str, name: str, accessible: str) -> ElidedText:
    """Long identifiers: cut in the middle when narrow, whole in the tooltip and on Copy."""
    field = ElidedText(text, name)
    field.setAccessibleName(accessible)
    return field


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    area.viewport().setAutoFillBackground(False)  # the page's background shows through
    widget.setAutoFillBackground(False)
    return area


class PolicyView(QWidget):
    """A JSON document, read-only and monospace, with a Copy button."""

    copied = Signal(str)  # what was copied, for the status bar

    def __init__(self, title: str, name: str, empty: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        label = QLabel(title)
        label.setObjectName("sectionHeading")
        head.addWidget(label)
        head.addStretch(1)
        self.copy_button = QPushButton(icon("copy"), "Copy")
        self.copy_button.setObjectName(f"copy{name[0].upper()}{name[1:]}")
        self.copy_button.setToolTip(f"Copy the {title.lower()} JSON to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        head.addWidget(self.copy_button)
        layout.addLayout(head)
        self.text = QPlainTextEdit()
        self.text.setObjectName(f"{name}Text")
        self.text.setReadOnly(True)
        self.text.setAccessibleName(title)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlaceholderText(empty)
        self.text.setMinimumHeight(72)  # the smallest window still shows a few lines
        layout.addWidget(self.text)
        label.setBuddy(self.text)

    def set_json(self, text: str) -> None:
        self.text.setPlainText(pretty_json(text))
        self.copy_button.setEnabled(bool(self.text.toPlainText()))

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copied.emit(f"{self._title} copied to the clipboard.")


class ProductDetailPane(QWidget):
    """Below the table: a heading with the status and the actions, then tabs for the
    overview (request, keys per region, access), the policies and the timeline."""

    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productDetail")
        self.detail: ProductDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)

        self.placeholder = QLabel(
            "Select a product to see its keys in both regions, its policies and its "
            "timeline.\nWith nothing selected, Check health (F5) checks every product."
        )
        self.placeholder.setObjectName("emptyState")
        self.placeholder.setWordWrap(True)
        layout.addWidget(self.placeholder, 1)

        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(6)
        layout.addWidget(self.content, 1)

        # Heading: site, status with its cause; what can be done, and what never can.
        heading = QHBoxLayout()
        heading.setSpacing(8)
        self.status_icon = QLabel()
        heading.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        # The actions beside the titles when there is room, under them when not.
        heading_flow = ReflowBox(HEADING_BREAKPOINT, spacing=6)
        titles_box = QWidget()
        titles = QVBoxLayout(titles_box)
        titles.setContentsMargins(0, 0, 0, 0)
        titles.setSpacing(2)
        self.site_label = QLabel()
        self.site_label.setTextFormat(Qt.TextFormat.PlainText)
        self.site_label.setObjectName("detailSite")
        self.site_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        titles.addWidget(self.site_label)
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setObjectName("detailStatus")
        titles.addWidget(self.status_label)
        self.reason_label = _value(name="detailReason")
        titles.addWidget(self.reason_label)
        heading_flow.addWidget(titles_box, 1)
        actions_box = QWidget()
        self.actions_row = QHBoxLayout(actions_box)
        self.actions_row.setContentsMargins(0, 0, 0, 0)
        self.actions_row.setSpacing(6)
        heading_flow.addWidget(actions_box)
        heading.addWidget(heading_flow, 1)
        content.addLayout(heading)
        self.turn_off_button = QPushButton("Turn off BYOK")
        self.turn_off_button.setObjectName("turnOffByok")
        self.turn_off_button.setEnabled(False)
        self.turn_off_button.setToolTip(NEVER_NON_BYOK)
        self.turn_off_button.setWhatsThis(NEVER_NON_BYOK)
        note = QFrame()
        note.setObjectName("infoBanner")
        note_layout = QHBoxLayout(note)
        note_layout.setContentsMargins(4, 0, 4, 0)
        self.permanent_note = QLabel(NEVER_NON_BYOK)
        self.permanent_note.setObjectName("byokPermanentNote")
        self.permanent_note.setWordWrap(True)
        note_layout.addWidget(self.permanent_note, 1)
        content.addWidget(note)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.setDocumentMode(True)
        content.addWidget(self.tabs, 1)

        # Overview: the site and request | the key in each region | the provider's access.
        # Three columns when there is room, one above the other when not.
        overview = QWidget()
        overview_layout = QVBoxLayout(overview)
        overview_layout.setContentsMargins(0, 6, 0, 0)
        columns = ReflowBox(OVERVIEW_BREAKPOINT)
        overview_layout.addWidget(columns)
        overview_layout.addStretch(1)
        about = QGroupBox("Site and request")
        form = QFormLayout(about)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.products_label = _value(name="detailProducts")
        self.location_label = _value(name="detailLocation")
        self.request_label = _value(name="detailRequest")
        self.customer_label = _value(name="detailCustomer")
        self.account_label = _value(name="detailAccount")
        self.requester_label = _value(name="detailRequester")
        self.users_label = _value(name="detailUsers")
        form.addRow("Sharing the key:", self.products_label)
        form.addRow("Location:", self.location_label)
        form.addRow("Request:", self.request_label)
        form.addRow("Customer:", self.customer_label)
        form.addRow("AWS account:", self.account_label)
        form.addRow("Requested by:", self.requester_label)
        form.addRow("Users:", self.users_label)
        columns.addWidget(about, 5)
        self.keys_box = QWidget()
        self.keys_layout = QVBoxLayout(self.keys_box)
        self.keys_layout.setContentsMargins(0, 0, 0, 0)
        columns.addWidget(self.keys_box, 5)
        self.key_boxes: list[QGroupBox] = []
        access = QGroupBox("Key provider access")
        access_form = QFormLayout(access)
        access_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.revocation_label = _value(name="revocationLabel")
        self.trust_label = _value(name="trustLabel")
        self.key_policy_label = _value(name="keyPolicyLabel")
        self.rotation_label = _value(name="rotationLabel")
        self.checked_label = _value(name="accessCheckedLabel")
        access_form.addRow("Revocation:", self.revocation_label)
        access_form.addRow("Trust policy:", self.trust_label)
        access_form.addRow("Key policy:", self.key_policy_label)
        access_form.addRow("Rotation:", self.rotation_label)
        access_form.addRow("Last checked:", self.checked_label)
        columns.addWidget(access, 4)
        overview_area = _scrolling(overview)
        overview_area.setAccessibleName("Product overview")
        self.tabs.addTab(overview_area, "Overview")

        # The policies side by side, each with its Copy button.
        policies = QWidget()
        side_by_side = QHBoxLayout(policies)
        side_by_side.setContentsMargins(0, 6, 0, 0)
        self.key_policy = PolicyView(
            "Key policy", "keyPolicy", "Not read yet: Check health (F5) reads it from AWS."
        )
        self.trust_policy = PolicyView(
            "Role trust policy",
            "trustPolicy",
            "Not read yet: Check health (F5) reads it from AWS.",
        )
        for view in (self.key_policy, self.trust_policy):
            view.copied.connect(self.message)
            side_by_side.addWidget(view, 1)
        self.tabs.addTab(policies, "Policies (JSON)")

        self.timeline = QTreeWidget()
        self.timeline.setObjectName("timeline")
        self.timeline.setColumnCount(2)
        self.timeline.setHeaderLabels(["When (local time)", "What happened (newest first)"])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setUniformRowHeights(True)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.timeline.header().setStretchLastSection(True)
        self.tabs.addTab(self.timeline, "Timeline")

        self._tick = QTimer(self)  # the restore-window countdown
        self._tick.setInterval(30_000)
        self._tick.timeout.connect(self._update_countdown)
        self.show_detail(None)

    def minimumSizeHint(self) -> QSize:
        # Wrapped text (the heading's reason, the note) needs more lines when narrow; a
        # layout's plain minimum ignores that, and the splitter would squeeze the tabs.
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth():
            hint.setHeight(max(hint.height(), layout.minimumHeightForWidth(self.width())))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the minimum height above follows the width
        super().resizeEvent(event)

    def set_actions(self, actions: Sequence[QAction]) -> None:
        _clear(self.actions_row)
        self._action_buttons: list[QWidget] = []
        for act in actions:
            button = QToolButton()
            button.setDefaultAction(act)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setIconSize(QSize(16, 16))
            self.actions_row.addWidget(button)
            self._action_buttons.append(button)
        self.actions_row.addWidget(self.turn_off_button)
        tab_chain(*self._action_buttons, self.turn_off_button, self.tabs)

    def first_tab_stop(self) -> QWidget:
        """Where Tab enters the pane: its first action, else the tabs."""
        return self._action_buttons[0] if self._action_buttons else self.tabs

    # --- content ---------------------------------------------------------------------------

    def show_detail(self, detail: ProductDetail | None, draft: RequestDraft | None = None) -> None:
        self.detail = detail
        self.placeholder.setVisible(detail is None)
        self.content.setVisible(detail is not None)
        if detail is None:
            self._tick.stop()
            return
        product = detail.product
        self.site_label.setText(f"{product.site_key}.atlassian.net")
        self.status_icon.setPixmap(icon(STATUS_ICONS[product.status]).pixmap(QSize(24, 24)))
        self.status_label.setText(f"{product_label(product)}: {product.status.display_name}")
        self.reason_label.setText(product.status_reason)
        self.reason_label.setVisible(bool(product.status_reason))

        siblings = ", ".join(
            f"{s.product.display_name} ({s.status.display_name})" for s in detail.siblings
        )
        if product.family is ProductFamily.JIRA:
            siblings += (
                f"\nOne key covers the whole Jira family on the site ({', '.join(JIRA_FAMILY_COVERED)}): "
                "they are suspended and restored together."
            )
        self.products_label.setText(siblings)
        self.location_label.setText(
            f"{product.location.display_name}: {product.location.regions_label()}. Pinned: "
            "data can never move to another location."
        )
        self.request_label.setText(
            f"#{product.request_id}" if product.request_id is not None else "Not recorded"
        )
        if draft is not None:
            self.customer_label.setText(draft.customer_org or "—")
            self.account_label.setText(draft.aws_account_id or "—")
            admin = " (org admin)" if draft.requester_is_org_admin else ""
            email = f" <{draft.requester_email}>" if draft.requester_email else ""
            self.requester_label.setText(f"{draft.requester_name}{email}{admin}".strip() or "—")
            users = draft.desired_users or "—"
            self.users_label.setText(
                f"{users} ({product.tier_name} tier)" if product.tier_name else users
            )
        else:
            for label in (
                self.customer_label,
                self.account_label,
                self.requester_label,
                self.users_label,
            ):
                label.setText("—")

        self._show_keys(detail)
        self._show_access(detail.access)
        self.key_policy.set_json(detail.access.key_policy)
        self.trust_policy.set_json(detail.access.trust_policy)
        self.timeline.clear()
        for entry in reversed(detail.timeline):
            _kind, _sep, step = entry.kind.partition(":")
            title = STEP_TITLES.get(step, "") if step else ""
            text = f"{entry.text} ({title})" if title else entry.text
            item = QTreeWidgetItem([local_time(entry.at, seconds=True), text])
            item.setToolTip(1, text)
            self.timeline.addTopLevelItem(item)
        if not detail.timeline:
            self.timeline.addTopLevelItem(QTreeWidgetItem(["", "Nothing recorded yet"]))

    def _show_keys(self, detail: ProductDetail) -> None:
        _clear(self.keys_layout)
        self.key_boxes = []
        if not detail.keys:
            none = QLabel(
                "No keys recorded yet: they appear when the provisioning job has created them."
            )
            none.setObjectName("noKeys")
            none.setWordWrap(True)
            self.keys_layout.addWidget(none)
            return
        product = detail.product
        regions = product.location.regions
        tokens = {regions[0].code: product.primary_state, regions[1].code: product.secondary_state}
        for number, key in enumerate(detail.keys):
            region = next((r for r in regions if r.code == key.region), None)
            box = QGroupBox(
                f"{'Primary' if number == 0 else 'Second'} region: "
                f"{region.label() if region else key.region}"
            )
            box.setObjectName(f"keyBox_{key.region}")
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.addRow(
                "Key ARN:",
                _arn(key.key_arn, f"keyArn_{key.region}", f"Key ARN in {key.region}"),
            )
            form.addRow("Alias:", _value(key.alias, f"keyAlias_{key.region}"))
            # As the table shows it: the last check, or a revoke or restore since.
            token = tokens.get(key.region) or _token(key)
            form.addRow("Key state:", _state_row(token, f"keyState_{key.region}"))
            form.addRow("Last check:", _value(_check_text(key), f"keyCheck_{key.region}"))
            if key.deletion_date is not None:
                form.addRow(
                    "Deletion:",
                    _value(
                        f"Scheduled for {local_time(key.deletion_date)}; cancel the deletion in "
                        "AWS to keep the data readable.",
                        f"keyDeletion_{key.region}",
                    ),
                )
            self.keys_layout.addWidget(box)
            self.key_boxes.append(box)

    def _show_access(self, access: FamilyAccess) -> None:
        self._update_countdown()
        self.trust_label.setText(
            _yes_no(
                access.trust_allowed,
                "Allows the key provider to assume the key-management role",
                "Denies the key provider (access revoked or the role changed)",
            )
        )
        self.key_policy_label.setText(
            _yes_no(
                access.key_policy_ok,
                "Lets the key-management role use the key in every region",
                "No longer lets the key-management role use the key",
            )
        )
        self.rotation_label.setText(
            _yes_no(access.rotation_enabled, "On (yearly, managed by AWS)", "Off")
        )
        checked = local_time(access.checked_at) or "Never"
        if access.check_error:
            checked += f". AWS could not be asked: {access.check_error}"
        self.checked_label.setText(checked)
        if access.revoked_at is not None:
            self._tick.start()
        else:
            self._tick.stop()

    @Slot()
    def _update_countdown(self) -> None:
        if self.detail is not None:
            self.revocation_label.setText(revocation_text(self.detail.access))


_HEALTH_TOKENS = {
    KeyHealth.MISSING.value: "Missing",
    KeyHealth.UNKNOWN.value: "Unknown",
    KeyHealth.WRONG_KEY.value: "Wrong key",
    KeyHealth.NOT_GRANTED.value: "Not granted",
}


def _token(key: KeyRecord) -> str:
    """The region's state as the table shows it (as the core's ``state_token``)."""
    return _HEALTH_TOKENS.get(key.health, key.key_state)


def _state_row(token: str, name: str) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    look = key_look(token)
    picture = QLabel()
    picture.setPixmap(icon(look.icon_name).pixmap(QSize(16, 16)))
    layout.addWidget(picture)
    label = _value(look.text, name)
    label.setToolTip(look.meaning)
    label.setStyleSheet(f"color: {colour(look.tone).name()}")
    layout.addWidget(label, 1)
    return row


def _check_text(key: KeyRecord) -> str:
    """What the last health check saw of the key in one region, and when."""
    if key.checked_at is None:
        return "Not checked yet: press F5 to check."
    if key.health == KeyHealth.UNKNOWN.value:
        since = f"Unknown since {local_time(key.checked_at)}: {key.health_detail}"
        if key.seen_at is not None:
            return f"{since}. Last seen {key.key_state or 'missing'} on {local_time(key.seen_at)}."
        return f"{since}. Never seen."
    try:
        label = KeyHealth(key.health).label
    except ValueError:
        label = ""
    finding = key.health_detail or label or key.key_state
    saw = f"{key.key_state} " if key.key_state else ""
    return f"{finding} (saw {saw}on {local_time(key.checked_at)})."
