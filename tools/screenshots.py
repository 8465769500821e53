"""Take the README's screenshots from the real app (run under xvfb-run or on a desktop).

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshots.py docs/

Seeds a throwaway data folder with example requests, then types a faulty request into the
editor the way a user would, so the inline problems show.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from byok_desktop.locations import Location
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft
from ui.app import build_main_window, create_application

EXAMPLES = [
    (
        "012345678901",
        "globex",
        "4200",
        Location.USA,
        {Product.CONFLUENCE},
        "Globex Corporation",
        "Hank Scorpio",
        "hank@globex.example",
    ),
    (
        "998877665544",
        "initech",
        "800",
        Location.EU,
        {Product.JIRA_SOFTWARE, Product.JIRA_SERVICE_MANAGEMENT},
        "Initech",
        "Bill Lumbergh",
        "bill@initech.example",
    ),
    (
        "000123456789",
        "umbrella-eu",
        "25,000",
        Location.EU,
        {Product.JIRA_SOFTWARE},
        "Umbrella plc",
        "Alice Abernathy",
        "alice@umbrella.example",
    ),
    (
        "555566667777",
        "stark",
        "1,200",
        Location.USA,
        {Product.CONFLUENCE},
        "Stark Industries",
        "Pepper Potts",
        "",
    ),
]


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1])
    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-"))
    context, window = build_main_window(paths)
    store = context.database.requests
    for account, site, users, location, products, org, name, email in EXAMPLES:
        store.create(
            RequestDraft(
                aws_account_id=account,
                site_name=site,
                desired_users=users,
                location=location,
                products=frozenset(products),
                customer_org=org,
                requester_name=name,
                requester_email=email,
                requester_is_org_admin=bool(email),
            )
        )
    page = window.requests_page
    page.model.refresh()
    window.resize(1500, 940)
    window.show()

    def type_faulty_request() -> None:
        page.new_request()
        editor = page.editor
        QTest.keyClicks(editor.org_edit, "Acme Corp")
        QTest.keyClicks(editor.account_edit, "2797-6624-415")
        QTest.keyClicks(editor.site_edit, "Acme_Site-")
        QTest.keyClicks(editor.users_edit, "1,500")
        button = editor.location_buttons[Location.EU]
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
        check = editor.product_checks[Product.JIRA_SOFTWARE]
        QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
        QTest.keyClicks(editor.email_edit, "ada@acme")
        editor.flush()
        QTimer.singleShot(400, capture)

    def capture() -> None:
        window.grab().save(str(out_dir / "requests-editor.png"))
        page.select_request(page.model.request_id(1))  # type: ignore[arg-type]
        QTimer.singleShot(300, capture_list)

    def capture_list() -> None:
        window.grab().save(str(out_dir / "requests-list.png"))
        window.close()
        app.quit()

    QTimer.singleShot(500, type_faulty_request)
    app.exec()
    context.close()
    print(f"screenshots written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
