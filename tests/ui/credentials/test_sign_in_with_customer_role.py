"""From no credentials to an Active product by GUI, the way an enterprise rep works: sign
in with IAM Identity Center (the local fake), pick the account and role, name the
customer's provisioning role on the request, read its ExternalId off the editor (the
customer's admin makes the role with it), submit through the sheet; the job assumes the
customer's role with that ExternalId. AWS is the sandbox's moto server seen through the
realistic layer, which enforces the role's trust policy. The jobs run in this process
(the keyring is an in-memory one a worker process could not reach, and the layer lives
here). docs/credentials.md, "From nothing to a provisioned product", walks the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.realism import RealisticAws
from byok_desktop.context import AppContext, open_context
from byok_desktop.credentials.secret import AwsSecret
from byok_desktop.job_records import JobStatus
from byok_desktop.paths import resolve_paths
from byok_desktop.products import Product
from byok_desktop.provisioning.naming import DEFAULT_ROLE_NAME
from byok_desktop.provisioning.permissions import (
    PROVISIONING_ROLE_NAME,
    provisioning_policy,
    provisioning_trust_policy,
)
from byok_desktop.request import Field, RequestStatus
from tests.helpers.credentials_gui import cell, errors, opened, role_picker, start_sign_in
from tests.helpers.customer_account import CUSTOMER, REP, ROLE_ARN
from tests.helpers.factories import ready_draft
from tests.helpers.gui import WindowFactory, confirm_submit_sheet
from tests.helpers.realistic_aws import use_realistic_aws
from tests.helpers.requests_gui import refresh, show
from tests.helpers.sso_fake import FakeIdentityCenterServer
from ui.credentials.model import Column
from ui.main_window import MainWindow
from ui.products.model import Column as ProductColumn

__all__ = ["errors", "opened"]  # fixtures, by name


@pytest.fixture
def fake() -> Iterator[FakeIdentityCenterServer]:
    server = FakeIdentityCenterServer().start()
    server.state.interval_s = 0
    yield server
    server.stop()


@pytest.fixture
def layer(monkeypatch: pytest.MonkeyPatch) -> RealisticAws:
    return use_realistic_aws(monkeypatch)


@pytest.fixture
def realistic_sandbox(
    tmp_path: Path, keyring_backend: KeyringBackend, layer: RealisticAws
) -> Iterator[AppContext]:
    """The sandbox, opened after the realistic layer is in place (its connections keep it)."""
    ctx = open_context(resolve_paths(tmp_path / "d"), sandbox=True, keyring_backend=keyring_backend)
    yield ctx
    ctx.close()


def customer_admin(context: AppContext, layer: RealisticAws) -> AwsConnection:
    """The customer's admin, in their own account of the same simulated AWS."""
    assert context.sandbox is not None
    return AwsConnection(
        AwsConfig(endpoint_url=context.sandbox.start(), sandbox_account_id=CUSTOMER, realism=layer),
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("secret-value")),
        "eu-central-1",
    )


def run_setup_kit(admin: AwsConnection, external_id: str) -> None:
    """What the setup kit's template creates: the provisioning role trusting the rep's
    account with the ExternalId, and the app's permissions."""
    iam = admin.client("iam")
    iam.create_role(
        RoleName=PROVISIONING_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(provisioning_trust_policy(REP, external_id)),
    )
    iam.put_role_policy(
        RoleName=PROVISIONING_ROLE_NAME,
        PolicyName="byok-provisioning",
        PolicyDocument=json.dumps(provisioning_policy(CUSTOMER, DEFAULT_ROLE_NAME)),
    )


def signed_in_rep_with_a_request(
    qtbot: QtBot, window: MainWindow, ctx: AppContext, request_id: int
) -> str:
    """Sign in on the Credentials screen, name the customer's role on the request; the
    ExternalId the editor shows."""
    window.show_section("credentials")
    credentials = window.credentials_page
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    assert credentials.empty_hint.isVisible()
    start_sign_in(qtbot, credentials)
    picker = role_picker(qtbot, credentials)
    assert picker.choose(REP, "KeyAdmin")
    qtbot.mouseClick(picker.ok_button, Qt.MouseButton.LeftButton)
    name = "Acme production (KeyAdmin)"
    qtbot.waitUntil(lambda: credentials.model.rowCount() == 1)
    qtbot.waitUntil(lambda: cell(credentials, name, Column.STATE) == "Not verified")
    credentials.verify_action.trigger()
    qtbot.waitUntil(lambda: cell(credentials, name, Column.STATE) == "Verified", timeout=15_000)

    window.show_section("requests")
    page = window.requests_page
    refresh(qtbot, page)
    show(qtbot, page, request_id)
    qtbot.keyClicks(page.editor.lines[Field.CUSTOMER_ROLE_ARN], ROLE_ARN)
    store = ctx.database.requests
    qtbot.waitUntil(lambda: store.get(request_id).draft.customer_role_arn == ROLE_ARN)
    tools = page.editor.customer_tools
    assert tools is not None
    qtbot.waitUntil(lambda: tools.external_id.text() != "")
    return tools.external_id.text()


def no_credentials(ctx: AppContext, fake: FakeIdentityCenterServer) -> int:
    """Not even the sandbox's profile; a Ready request for the customer's account."""
    service = ctx.credentials
    for profile in service.profiles.list():
        service.delete(profile.uid)
    service.sso_endpoint_url = fake.url
    service.aws_cli_sso_cache = ctx.paths.data_dir / "no-aws-cli-cache"
    draft = ready_draft(aws_account_id=CUSTOMER, products=frozenset({Product.CONFLUENCE}))
    return ctx.database.requests.create(draft).id


def test_sign_in_and_the_customers_role_to_an_active_product_by_gui(
    qtbot: QtBot,
    make_window: WindowFactory,
    realistic_sandbox: AppContext,
    layer: RealisticAws,
    fake: FakeIdentityCenterServer,
    opened: list[str],
) -> None:
    ctx = realistic_sandbox
    request_id = no_credentials(ctx, fake)
    window = make_window(ctx)
    assert not window.jobs.in_worker_process
    external_id = signed_in_rep_with_a_request(qtbot, window, ctx, request_id)
    assert opened
    assert "user_code=WXYZ-" in opened[0]  # the device code, in "the browser"
    assert external_id == ctx.database.external_ids.find(CUSTOMER)

    # The customer's admin runs the setup kit with that ExternalId.
    run_setup_kit(customer_admin(ctx, layer), external_id)

    window.requests_page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    store = ctx.database.requests
    qtbot.waitUntil(
        lambda: store.get(request_id).status is RequestStatus.PROVISIONED, timeout=45_000
    )

    def statuses() -> list[JobStatus]:
        return [j.status for j in ctx.database.jobs.all_jobs() if j.request_id == request_id]

    # The request is Provisioned by the job's last step, a moment before the job ends.
    qtbot.waitUntil(lambda: statuses() == [JobStatus.SUCCEEDED])
    assert fake.state.issued_keys  # the portal's role credentials were the rep's identity
    # The layer let the role in (with the ExternalId) and refused no AssumeRole.
    assert not [r for r in layer.refused if r.startswith("sts:AssumeRole")]
    # The keys are the customer's: made in their account by the assumed role.
    assert customer_admin(ctx, layer).client("kms").list_keys()["Keys"]

    window.show_section("security")
    products = window.products_page
    qtbot.waitUntil(lambda: products.model.rowCount() == 1 and products.model.is_complete)
    qtbot.waitUntil(
        lambda: products.model.data(products.model.index(0, ProductColumn.STATUS)) == "Active"
    )
    assert products.model.data(products.model.index(0, ProductColumn.SITE)) == "acme"


def test_a_role_trusting_another_external_id_is_refused_before_locking_by_gui(
    qtbot: QtBot,
    make_window: WindowFactory,
    realistic_sandbox: AppContext,
    layer: RealisticAws,
    fake: FakeIdentityCenterServer,
    opened: list[str],
    errors: list[tuple[str, str]],
) -> None:
    ctx = realistic_sandbox
    request_id = no_credentials(ctx, fake)
    window = make_window(ctx)
    external_id = signed_in_rep_with_a_request(qtbot, window, ctx, request_id)
    run_setup_kit(customer_admin(ctx, layer), "someone-elses-external-id")

    window.requests_page.submit_action.trigger()
    confirm_submit_sheet(qtbot, window)
    qtbot.waitUntil(lambda: bool(errors), timeout=15_000)
    title, text = errors[0]
    assert title == "Cannot provision this request"
    assert f"with ExternalId {external_id}" in text
    assert "nothing was submitted" in text
    assert ctx.database.requests.get(request_id).status is RequestStatus.READY
    assert ctx.database.jobs.all_jobs() == []
    assert customer_admin(ctx, layer).client("kms").list_keys()["Keys"] == []
