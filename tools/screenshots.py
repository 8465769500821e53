"""Take the README's screenshots from the real app (run under xvfb-run or on a desktop).

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshots.py docs/ [SCENE...]

Scenes (all by default):
- requests: seeds a throwaway data folder with example requests, then types a faulty
  request into the editor the way a user would, so the inline problems show.
- layouts: the sandbox with provisioned examples; the requests (editor open) and
  Security pages at the smallest window (1024x640) and at 1600x1000, light and dark.
  Run it again with QT_SCALE_FACTOR=2 for the 200% pictures (named ...@2x.png).
- team: a team database (a real PostgreSQL the scene starts) behind a slow, then stalled,
  link: the editor while it saves, and the offline banner.
- customer-role: a request naming the customer's provisioning role, with the account's
  ExternalId and "Export setup kit…" beside it.
- credentials: signs in with IAM Identity Center against the tests' local fake of it,
  picks an account and role, and shows the Credentials screen.
- sandbox: the sandbox's editor (it names the account the sandbox plays), the submit
  sheet for a Ready request, and the Settings page with "Behave like real AWS" ticked.
- products: provisions example requests in the sandbox (simulated AWS), disables one key
  in one region and checks health (a Degraded product), revokes one family's access (a
  Suspended product), then shows Security > BYOK encryption.
- help: the keyboard shortcut sheet (F1), whole and searched, and the About box.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from byok_desktop.context import SANDBOX_ACCOUNT_ID
from byok_desktop.job_records import JobStatus
from byok_desktop.locations import Location
from byok_desktop.overrides import ContextOverrides
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


def requests_scene(app: QApplication, out_dir: Path) -> None:
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
        editor.save_now()  # on the database worker
        _wait(app, lambda: not editor.has_unsaved_edits)
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


def _wait(app: QApplication, done: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Let the app run (workers report through its event loop) until ``done``."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the scene did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def products_scene(app: QApplication, out_dir: Path) -> None:
    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-products-"))
    context, window = build_main_window(paths, ContextOverrides(sandbox=True))
    store = context.database.requests
    window.resize(1500, 940)
    window.show()
    ids = []
    for _account, site, users, location, products, org, name, email in EXAMPLES:
        products = set(products)
        if site == "initech":
            products.add(Product.CONFLUENCE)
        stored = store.create(
            RequestDraft(
                aws_account_id=SANDBOX_ACCOUNT_ID,  # the sandbox's one account
                site_name=site,
                desired_users=users,
                location=location,
                products=frozenset(products),
                customer_org=org,
                requester_name=name,
                requester_email=email or "admin@example.com",
                requester_is_org_admin=True,
            )
        )
        ids.append(stored.id)
    for request_id in ids:
        window.jobs.submit(request_id)
    jobs = context.database.jobs
    # A look at the Jobs screen while they run and when they are done (not in the docs).
    scratch = Path(tempfile.gettempdir())
    window.show_section("jobs")
    _wait(app, lambda: any(j.steps_done >= 2 for j in window.jobs_page.model._jobs))
    window.jobs_page.view.selectRow(0)
    window.grab().save(str(scratch / "jobs-running.png"))
    _wait(
        app,
        lambda: (
            len(jobs.all_jobs()) == 5
            and all(j.status is JobStatus.SUCCEEDED for j in jobs.all_jobs())
        ),
    )
    _wait(app, lambda: window.jobs_page.model.running() == 0)
    window.grab().save(str(scratch / "jobs-done.png"))
    page = window.products_page
    window.show_section("security")
    _wait(app, lambda: page.model.rowCount() == 6)

    # Someone disables initech's Jira key in one region: the next check sees it.
    [key] = [
        k
        for k in context.database.products.family_keys("initech", "jira")
        if k.region == "eu-west-1"
    ]
    aws = context.credentials.connect(context.credentials.profile_for_account(SANDBOX_ACCOUNT_ID))
    aws.client("kms", "eu-west-1").disable_key(KeyId=key.key_id)
    page.view.clearSelection()
    page.check_action.trigger()
    _wait(app, lambda: page.check_running)
    _wait(app, lambda: not page.check_running)

    # Globex's access is revoked (its job runs like one started from the page).
    window.jobs.change_access("revoke", "globex", "confluence")
    _wait(
        app,
        lambda: any(
            j.kind == "revoke" and j.status is JobStatus.SUCCEEDED for j in jobs.all_jobs()
        ),
    )
    page.reload()
    degraded = next(
        p
        for p in context.database.products.on_site("initech")
        if p.product is Product.JIRA_SOFTWARE
    )
    page.select_product(degraded.id)
    _wait(app, lambda: True)
    QTimer.singleShot(400, app.quit)
    app.exec()
    window.show_message("Health checked for 5 product families: 1 degraded, 3 active, 1 suspended.")
    window.grab().save(str(out_dir / "products-view.png"))
    # A look at the rest (not part of the docs): the other tabs, a suspended product, the
    # typed confirmation.
    for tab, name in ((1, "policies"), (2, "timeline")):
        page.detail.tabs.setCurrentIndex(tab)
        window.grab().save(str(scratch / f"products-{name}.png"))
    page.detail.tabs.setCurrentIndex(0)
    suspended = next(p for p in context.database.products.on_site("globex"))
    page.select_product(suspended.id)
    window.grab().save(str(scratch / "products-suspended.png"))
    umbrella = next(p for p in context.database.products.on_site("umbrella-eu"))
    page.select_product(umbrella.id)
    from ui.products.confirm import TypedConfirm

    def capture_dialog(_cls: type, parent: object, request: object) -> bool:
        from ui.products.confirm import TypedConfirmDialog

        dialog = TypedConfirmDialog(request, window)  # type: ignore[arg-type]
        dialog.show()
        QTest.keyClicks(dialog.confirm_edit, "umbrella")
        _wait(app, lambda: True)
        dialog.grab().save(str(scratch / "products-revoke-dialog.png"))
        dialog.reject()
        return False

    TypedConfirm.ask = classmethod(capture_dialog)  # type: ignore[method-assign,assignment]
    page.revoke_action.trigger()
    window.close()
    context.close()


def team_scene(app: QApplication, out_dir: Path) -> None:
    """A team database on a real PostgreSQL behind a proxy that plays a VPN: the editor
    saving over a slow link, then the link stalled (the offline banner and state)."""
    import os
    import shutil

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmarks' helpers
    from benchmarks.latency_proxy import LatencyProxy
    from benchmarks.postgres_server import PostgresServer
    from byok_desktop.settings import Settings, save_settings

    root = Path(tempfile.mkdtemp(prefix="byok-shots-pg-"))
    os.chmod(root, 0o755)  # as root, the server runs as 'postgres' and must get in
    server = PostgresServer(root / "pg")
    server.start()
    proxy = LatencyProxy(server.port, delay_s=0.6)  # a very slow link: saves take a while
    proxy.start()
    try:
        url = server.new_database().replace(f":{server.port}/", f":{proxy.port}/")
        paths = resolve_paths(root / "data")
        paths.ensure()
        save_settings(
            paths.core_settings_file,
            Settings(database_statement_timeout_s=2.0, database_link_timeout_s=2.0),
        )
        context, window = build_main_window(paths, ContextOverrides(database_url=url))
        window.resize(1280, 800)
        window.show()
        page = window.requests_page
        window.show_section("requests")
        editor = page.editor
        page.new_request()
        _wait(app, lambda: editor.request_id is not None)
        QTest.keyClicks(editor.org_edit, "Acme Corp")
        QTest.keyClicks(editor.site_edit, "acme")
        _wait(app, lambda: "Saving" in editor.saved_label.text(), 30)
        window.grab().save(str(out_dir / "editor-saving.png"))
        _wait(app, lambda: "saved" in editor.saved_label.text().lower(), 60)
        proxy.stall()
        QTest.keyClicks(editor.name_edit, "Ada Lovelace")
        window.changes.poll()  # type: ignore[union-attr]  # the heartbeat, without the wait
        _wait(app, window.link_banner.isVisible, 60)
        _wait(app, lambda: "Offline" in editor.saved_label.text(), 60)
        window.grab().save(str(out_dir / "offline-banner.png"))
        window.resize(window.minimumSizeHint())  # the smallest window the layouts allow
        _wait(app, lambda: window.size() == window.minimumSizeHint(), 10)
        app.processEvents()
        window.grab().save(str(out_dir / "offline-banner-small.png"))
        proxy.resume()
        window.close()
        _wait(app, lambda: not window.isVisible(), 60)
        context.close()
    finally:
        proxy.close()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def customer_role_scene(app: QApplication, out_dir: Path) -> None:
    """A request naming the customer's provisioning role: the editor shows the account's
    ExternalId beside the role and offers the setup kit."""
    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-"))
    context, window = build_main_window(paths)
    account = "210987654321"
    stored = context.database.requests.create(
        RequestDraft(
            aws_account_id=account,
            customer_role_arn=f"arn:aws:iam::{account}:role/byok-provisioning",
            site_name="acme",
            desired_users="1500",
            location=Location.EU,
            products=frozenset({Product.JIRA_SOFTWARE}),
            customer_org="Acme Corp",
            requester_name="Ada Admin",
            requester_email="ada@acme.example",
            requester_is_org_admin=True,
        )
    )
    page = window.requests_page
    page.model.refresh()
    window.resize(1500, 940)
    window.show()

    def select() -> None:
        page.select_request(stored.id)
        tools = page.editor.customer_tools
        assert tools is not None
        _wait(app, lambda: bool(tools.external_id.text()))
        QTimer.singleShot(300, capture)

    def capture() -> None:
        window.grab().save(str(out_dir / "customer-role.png"))
        window.close()
        app.quit()

    QTimer.singleShot(500, select)
    app.exec()
    context.close()
def credentials_scene(app: QApplication, out_dir: Path) -> None:
    """Signing in with IAM Identity Center against the local fake of its APIs (the
    tests' own), in an in-memory keyring: the sign-in dialog waiting for approval, the
    account and role picker, the MFA dialog of an AWS CLI profile that assumes a role,
    and the Credentials screen with a signed-in (verified with moto), a signed-out, an
    MFA and an access-keys profile; also at the smallest window."""
    import os

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
    from moto import mock_aws

    from byok_desktop.context import open_context
    from byok_desktop.credential_profiles import ProfileInput, ProfileKind, SsoSession
    from byok_desktop.credentials.secret import AwsSecret
    from byok_desktop.logging_setup import LOG_FILE
    from tests.helpers.memory_keyring import MemoryKeyring
    from tests.helpers.sso_fake import FakeIdentityCenterServer
    from ui.credentials.sign_in_dialog import SignInDialog
    from ui.main_window import MainWindow
    from ui.settings import app_settings

    aws_dir = Path(tempfile.mkdtemp(prefix="byok-shots-aws-"))
    (aws_dir / "config").write_text(
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\n"
        "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/rep\n"
        "region = us-west-2\n"
    )
    (aws_dir / "credentials").write_text(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = not-a-real-secret\n"
    )
    os.environ["AWS_CONFIG_FILE"] = str(aws_dir / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(aws_dir / "credentials")
    fake = FakeIdentityCenterServer().start()
    fake.state.start_url = "https://acme-corp.awsapps.com/start"
    fake.state.answer(*["pending"] * 10_000)  # waits for "approval" until the scene says so
    SignInDialog.open_url = staticmethod(lambda url: True)  # type: ignore[method-assign]
    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-credentials-"))
    context = open_context(paths, keyring_backend=MemoryKeyring())
    context.credentials.sso_endpoint_url = fake.url
    context.credentials.aws_cli_sso_cache = paths.data_dir / "no-aws-cli-cache"
    service = context.credentials
    service.save(
        None,
        ProfileInput(
            name="Initech (ReadOnly)",
            kind=ProfileKind.SSO,
            default_region="eu-central-1",
            sso_session=SsoSession("initech", "https://initech.awsapps.com/start", "eu-west-1"),
            sso_account_id="998877665544",
            sso_role_name="ReadOnly",
        ),
        None,
    )
    service.save(
        None,
        ProfileInput(
            name="Sandbox keys (old set-up)",
            kind=ProfileKind.KEYS,
            access_key_id="AKIAIOSFODNN7EXAMPLE",
            default_region="us-east-1",
        ),
        AwsSecret("not-a-real-secret-for-the-screenshot"),
    )
    window = MainWindow(context, app_settings(paths), paths.log_dir / LOG_FILE)
    window.resize(1280, 800)
    window.show()
    window.show_section("credentials")
    page = window.credentials_page
    actions = page.connect_actions
    try:
        _wait(app, lambda: page.model.rowCount() == 2 and window.ops.pending == 0)
        page.sign_in_new_button.click()
        session_dialog = actions.session_dialog
        assert session_dialog is not None
        session_dialog.start_url_edit.clear()
        QTest.keyClicks(session_dialog.start_url_edit, fake.state.start_url)
        session_dialog.region_edit.clear()
        QTest.keyClicks(session_dialog.region_edit, "eu-west-1")
        app.processEvents()
        session_dialog.grab().save(str(out_dir / "sign-in-session.png"))
        session_dialog.ok_button.click()
        _wait(app, lambda: actions.sign_in_dialog is not None)
        dialog = actions.sign_in_dialog
        assert dialog is not None
        _wait(app, lambda: dialog.state == "waiting")
        app.processEvents()
        dialog.grab().save(str(out_dir / "sign-in-dialog.png"))
        fake.state.script.clear()  # approved in "the browser"
        _wait(app, lambda: actions.role_picker is not None)
        picker = actions.role_picker
        assert picker is not None
        _wait(app, lambda: picker.proxy.rowCount() > 0)
        picker.choose("123456789012", "KeyAdmin")
        picker.name_edit.setText("Acme production (KeyAdmin)")
        app.processEvents()
        picker.grab().save(str(out_dir / "role-picker.png"))
        picker.ok_button.click()
        _wait(app, lambda: actions.role_picker is None and page.model.rowCount() == 3)
        _wait(app, lambda: window.ops.pending == 0)
        signed_in = page.selected_profile()
        assert signed_in is not None
        with mock_aws():
            page.verify_selected()
            _wait(app, lambda: window.ops.pending == 0 and not page._verifying)
            # An AWS CLI profile that assumes a role with MFA: the code is asked for.
            admin = service.save(
                None,
                ProfileInput(name="Globex admin", kind=ProfileKind.CLI, cli_profile="admin"),
                None,
            )
            page.refresh(select=admin.uid)
            _wait(app, lambda: window.ops.pending == 0 and page.model.rowCount() == 4)
            page.select_profile(admin.uid)
            page.verify_selected()
            _wait(app, lambda: page.mfa_prompter.dialog is not None)
            mfa = page.mfa_prompter.dialog
            assert mfa is not None
            QTest.keyClicks(mfa.code_edit, "492817")
            app.processEvents()
            mfa.grab().save(str(out_dir / "mfa-dialog.png"))
            mfa.ok_button.click()
            _wait(app, lambda: window.ops.pending == 0 and not page._verifying)
        page.select_profile(signed_in.uid)
        app.processEvents()
        window.grab().save(str(out_dir / "credentials-screen.png"))
        smallest = window.minimumSize().expandedTo(window.minimumSizeHint())
        window.resize(smallest)
        _wait(app, lambda: window.size() == smallest, 10)
        app.processEvents()
        window.grab().save(str(out_dir / "credentials-screen-small.png"))
    finally:
        window.close()
        _wait(app, lambda: not window.isVisible(), 60)
        context.close()
        fake.stop()
def help_scene(app: QApplication, out_dir: Path) -> None:
    """Help > Keyboard shortcuts (searched for "export") and Help > About."""
    with tempfile.TemporaryDirectory() as root:
        context, window = build_main_window(resolve_paths(root))
        window.show()
        _wait(app, window.isVisible, 10)
        window.help.shortcuts_action.trigger()  # F1 (no window manager to focus it here)
        sheet = window.help.sheet
        assert sheet is not None
        _wait(app, sheet.isVisible, 10)
        app.processEvents()
        sheet.grab().save(str(out_dir / "help-shortcuts.png"))
        QTest.keyClicks(sheet.search, "ctrl+e")
        app.processEvents()
        sheet.grab().save(str(out_dir / "help-shortcuts-search.png"))
        sheet.close()
        window.help.about_action.trigger()
        about = window.help.about
        assert about is not None
        _wait(app, lambda: "boto3" in dict(about.facts()), 30)
        about.adjustSize()
        app.processEvents()
        about.grab().save(str(out_dir / "help-about.png"))
        about.close()
        window.close()
        _wait(app, lambda: not window.isVisible(), 60)
        context.close()


def sandbox_scene(app: QApplication, out_dir: Path) -> None:
    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-"))
    context, window = build_main_window(paths, ContextOverrides(sandbox=True))
    stored = context.database.requests.create(
        RequestDraft(
            aws_account_id=SANDBOX_ACCOUNT_ID,
            site_name="acme",
            desired_users="1,500",
            location=Location.EU,
            products=frozenset({Product.JIRA_SOFTWARE, Product.CONFLUENCE}),
            customer_org="Acme Corp",
            requester_name="Ada Admin",
            requester_email="ada@acme.example",
            requester_is_org_admin=True,
        )
    )
    page = window.requests_page
    window.resize(1280, 800)
    window.show()
    _wait(app, lambda: page.model.rowCount() == 1)
    page.select_request(stored.id)
    _wait(app, lambda: page.editor.request_id == stored.id)
    _settle(app, 0.5)
    window.grab().save(str(out_dir / "sandbox-editor.png"))
    page.submit_action.trigger()
    _wait(app, lambda: window.submit_sheet is not None and window.submit_sheet.armed)
    sheet = window.submit_sheet
    assert sheet is not None
    _settle(app, 0.3)
    sheet.grab().save(str(out_dir / "submit-sheet.png"))
    sheet.reject()
    window.show_section("settings")
    window.settings_page.realistic_check.setChecked(True)
    _settle(app, 0.5)
    window.grab().save(str(out_dir / "settings-applied.png"))
    window.settings_page.realistic_check.setChecked(False)
    window.close()
    _wait(app, lambda: not window.isVisible(), 60)
    window.ops.wait()
    context.close()


def _settle(app: QApplication, seconds: float = 0.5) -> None:
    """Let layouts, lazy rows and repaints finish."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def layouts_scene(app: QApplication, out_dir: Path) -> None:
    """The main pages at the smallest and a large window, in both colour schemes."""
    from ui.main_window import MIN_HEIGHT, MIN_WIDTH
    from ui.theme import installed_theme

    paths = resolve_paths(tempfile.mkdtemp(prefix="byok-shots-layouts-"))
    context, window = build_main_window(paths, ContextOverrides(sandbox=True))
    window.show()
    store = context.database.requests
    ids = []
    for _account, site, users, location, products, org, name, email in EXAMPLES:
        stored = store.create(
            RequestDraft(
                aws_account_id=SANDBOX_ACCOUNT_ID,
                site_name=site,
                desired_users=users,
                location=location,
                products=frozenset(products),
                customer_org=org,
                requester_name=name,
                requester_email=email or "admin@example.com",
                requester_is_org_admin=True,
            )
        )
        ids.append(stored.id)
    for request_id in ids[:3]:  # three jobs (one per family); the fourth stays a request
        window.jobs.submit(request_id)
    jobs = context.database.jobs
    _wait(
        app,
        lambda: (
            len(jobs.all_jobs()) == 3
            and all(j.status is JobStatus.SUCCEEDED for j in jobs.all_jobs())
        ),
    )
    theme = installed_theme()
    assert theme is not None
    ratio = window.devicePixelRatio()
    suffix = "@2x" if ratio >= 2 else ""
    products = window.products_page
    requests = window.requests_page
    for scheme in ("light", "dark"):
        theme.follow(scheme)
        for width, height in ((MIN_WIDTH, MIN_HEIGHT), (1600, 1000)):
            window.resize(width, height)
            size = f"{width}x{height}"
            window.show_section("requests")
            _wait(app, lambda: requests.model.rowCount() == len(EXAMPLES))
            requests.select_request(ids[3])
            _settle(app)
            window.grab().save(str(out_dir / f"layout-requests-{size}-{scheme}{suffix}.png"))
            window.show_section("security")
            _wait(app, lambda: products.model.rowCount() == 4)
            initech = next(iter(context.database.products.on_site("initech")))
            products.select_product(initech.id)
            _wait(app, lambda: products.detail.detail is not None)
            _settle(app)
            window.show_message("")
            window.grab().save(str(out_dir / f"layout-products-{size}-{scheme}{suffix}.png"))
    theme.follow("system")
    window.close()
    _wait(app, lambda: not window.isVisible(), 60)
    context.close()


SCENES = {
    "requests": requests_scene,
    "products": products_scene,
    "team": team_scene,
    "customer-role": customer_role_scene,
    "credentials": credentials_scene,
    "help": help_scene,
    "sandbox": sandbox_scene,
    "layouts": layouts_scene,
}


def main(out_dir: Path, scenes: list[str]) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1])
    for scene in scenes or list(SCENES):
        SCENES[scene](app, out_dir)
    print(f"screenshots written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"), sys.argv[2:]))
