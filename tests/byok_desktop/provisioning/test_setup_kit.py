"""The customer's setup kit: CloudFormation that cfn-lint accepts, Terraform that parses
as HCL, both holding the app's own policy documents (the permission list said once)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from cfnlint.api import ManualArgs, lint

from byok_desktop.provisioning.naming import DEFAULT_PROVIDER_PRINCIPAL, DEFAULT_ROLE_NAME
from byok_desktop.provisioning.permissions import (
    PERMISSIONS,
    PROVISIONING_ROLE_NAME,
    provisioning_policy,
    provisioning_trust_policy,
)
from byok_desktop.provisioning.policies import role_permission_policy, trust_policy
from byok_desktop.provisioning.setup_kit import (
    KIT_FILES,
    KitInput,
    cloudformation_yaml,
    readme,
    terraform,
    write_kit,
)

KIT = KitInput(
    account_id="210987654321",
    site="acme",
    request_uid="0b9f7c9e-1f3c-4a55-9d43-4b1f2c3d4e5f",
    rep_account_id="123456789012",
    external_id="Zx-8_q1Yb2Qw3Er4Ty5Ui6Op7As8Df9Gh",
    role_name=DEFAULT_ROLE_NAME,
    provider_principal=DEFAULT_PROVIDER_PRINCIPAL,
)


def test_cloudformation_template_is_lint_clean() -> None:
    matches = lint(cloudformation_yaml(KIT), config=ManualArgs(regions=["eu-central-1"]))
    assert [str(m) for m in matches] == []


def test_cfn_lint_would_catch_a_broken_template() -> None:
    broken = cloudformation_yaml(KIT).replace('"AWS::IAM::Role"', '"AWS::IAM::Rol"', 1)
    assert lint(broken, config=ManualArgs(regions=["eu-central-1"])) != []


def _resources() -> dict[str, Any]:
    template = yaml.safe_load(cloudformation_yaml(KIT))
    return {name: r["Properties"] for name, r in template["Resources"].items()}


def test_cloudformation_holds_the_apps_own_documents() -> None:
    roles = _resources()
    kms_role, provisioning = roles["KeyManagementRole"], roles["ProvisioningRole"]
    assert kms_role["RoleName"] == DEFAULT_ROLE_NAME
    assert kms_role["AssumeRolePolicyDocument"] == trust_policy(DEFAULT_PROVIDER_PRINCIPAL)
    assert kms_role["Policies"][0]["PolicyDocument"] == role_permission_policy(KIT.account_id)
    assert provisioning["RoleName"] == PROVISIONING_ROLE_NAME
    assert provisioning["AssumeRolePolicyDocument"] == provisioning_trust_policy(
        KIT.rep_account_id, KIT.external_id
    )
    assert provisioning["Policies"][0]["PolicyDocument"] == provisioning_policy(
        KIT.account_id, DEFAULT_ROLE_NAME
    )


def _heredoc_json(value: str) -> Any:
    text = value.strip('"').strip()
    return json.loads(text.removeprefix("<<-EOT").removesuffix("EOT"))


def test_terraform_parses_as_hcl_and_matches_the_template() -> None:
    parsed = hcl2.loads(terraform(KIT))
    resources: dict[str, dict[str, Any]] = {}
    for block in parsed["resource"]:
        for kind, named in block.items():
            for name, body in named.items():
                resources[f"{kind.strip(chr(34))}.{name.strip(chr(34))}"] = body
    assert set(resources) == {
        "aws_iam_role.key_management",
        "aws_iam_role_policy.key_management",
        "aws_iam_role.provisioning",
        "aws_iam_role_policy.provisioning",
    }
    cfn = _resources()
    assert (
        _heredoc_json(resources["aws_iam_role.provisioning"]["assume_role_policy"])
        == (cfn["ProvisioningRole"]["AssumeRolePolicyDocument"])
    )
    assert (
        _heredoc_json(resources["aws_iam_role_policy.provisioning"]["policy"])
        == (cfn["ProvisioningRole"]["Policies"][0]["PolicyDocument"])
    )
    assert (
        _heredoc_json(resources["aws_iam_role.key_management"]["assume_role_policy"])
        == (cfn["KeyManagementRole"]["AssumeRolePolicyDocument"])
    )
    assert (
        _heredoc_json(resources["aws_iam_role_policy.key_management"]["policy"])
        == (cfn["KeyManagementRole"]["Policies"][0]["PolicyDocument"])
    )


def test_readme_tells_the_customer_what_to_run_and_send_back() -> None:
    text = readme(KIT)
    assert KIT.external_id in text
    assert KIT.account_id in text
    assert f"arn:aws:iam::{KIT.account_id}:role/{PROVISIONING_ROLE_NAME}" in text
    for permission in PERMISSIONS:
        assert permission.purpose in text


def test_write_kit_writes_the_three_files(tmp_path: Path) -> None:
    written = write_kit(KIT, tmp_path / "kit")
    assert [p.name for p in written] == list(KIT_FILES)
    assert sorted(p.name for p in (tmp_path / "kit").iterdir()) == sorted(KIT_FILES)


def test_write_kit_leaves_no_half_file_when_it_cannot_write(tmp_path: Path) -> None:
    folder = tmp_path / "kit"
    folder.mkdir()
    (folder / "byok-setup.tf").mkdir()  # a folder where a file should go
    with pytest.raises(IsADirectoryError):
        write_kit(KIT, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["byok-setup.cfn.yaml", "byok-setup.tf"]
