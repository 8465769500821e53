"""The customer's setup kit: what the customer runs in their account before provisioning.

Two equivalent forms, CloudFormation (YAML) and Terraform, each creating the
key-management role (trusting the provider principal, as the vendor's guide says) and
the provisioning role the rep assumes (trusting the rep's account with the customer's
ExternalId, with only the permissions of :mod:`byok_desktop.provisioning.permissions`),
plus a README for the customer. The policy documents are the app's own, so the kit,
the jobs and the preflight can never disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok_desktop.provisioning.naming import MANAGED_BY, TAG_MANAGED_BY
from byok_desktop.provisioning.permissions import (
    PERMISSIONS,
    PROVISIONING_ROLE_NAME,
    provisioning_policy,
    provisioning_trust_policy,
)
from byok_desktop.provisioning.policies import role_permission_policy, trust_policy
from byok_desktop.provisioning.steps import PERMISSION_POLICY_NAME

CFN_FILE = "byok-setup.cfn.yaml"
TF_FILE = "byok-setup.tf"
README_FILE = "README.txt"
KIT_FILES = (CFN_FILE, TF_FILE, README_FILE)
PROVISIONING_POLICY_NAME = "byok-provisioning"
_PLAIN_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True, slots=True)
class KitInput:
    account_id: str  # the customer's BYOK account
    site: str  # for the description
    request_uid: str
    rep_account_id: str  # the account whose identities may assume the provisioning role
    external_id: str
    role_name: str  # the key-management role (settings)
    provider_principal: str  # what the key-management role trusts (settings)


# --- YAML, written by hand: the app needs no YAML library for one template ------------


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a YAML double-quoted scalar


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else json.dumps(key)


def _yaml(value: Any, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for raw_key, item in value.items():
            key = _key(str(raw_key))
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item) if item != [] else '[]'}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = _yaml(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return lines


def cloudformation(kit: KitInput) -> dict[str, Any]:
    tags = [{"Key": TAG_MANAGED_BY, "Value": MANAGED_BY}]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            f"BYOK set-up for {kit.site}.atlassian.net (request {kit.request_uid}): the "
            "key-management role and the provisioning role the account rep assumes."
        ),
        "Resources": {
            "KeyManagementRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": kit.role_name,
                    "Description": "Lets the SaaS provider use this account's BYOK keys",
                    "AssumeRolePolicyDocument": trust_policy(kit.provider_principal),
                    "Policies": [
                        {
                            "PolicyName": PERMISSION_POLICY_NAME,
                            "PolicyDocument": role_permission_policy(kit.account_id),
                        }
                    ],
                    "Tags": tags,
                },
            },
            "ProvisioningRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": PROVISIONING_ROLE_NAME,
                    "Description": "Assumed by the account rep's app to provision BYOK keys",
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": provisioning_trust_policy(
                        kit.rep_account_id, kit.external_id
                    ),
                    "Policies": [
                        {
                            "PolicyName": PROVISIONING_POLICY_NAME,
                            "PolicyDocument": provisioning_policy(kit.account_id, kit.role_name),
                        }
                    ],
                    "Tags": tags,
                },
            },
        },
        "Outputs": {
            "ProvisioningRoleArn": {
                "Description": "Send this ARN to your account rep",
                "Value": {"Fn::GetAtt": ["ProvisioningRole", "Arn"]},
            },
            "KeyManagementRoleArn": {"Value": {"Fn::GetAtt": ["KeyManagementRole", "Arn"]}},
        },
    }


def cloudformation_yaml(kit: KitInput) -> str:
    header = [
        "# Generated by BYOK Desktop. Deploy with:",
        f"#   aws cloudformation deploy --template-file {CFN_FILE} --stack-name byok-setup \\",
        "#     --capabilities CAPABILITY_NAMED_IAM",
    ]
    return "\n".join(header + _yaml(cloudformation(kit))) + "\n"


# --- Terraform ------------------------------------------------------------------------


def _heredoc(document: dict[str, Any]) -> str:
    # JSON inside a heredoc: Terraform reads it as the policy text as it is (the
    # documents hold no "${" or "%{" that it would interpolate).
    text = json.dumps(document, indent=2)
    assert "${" not in text
    assert "%{" not in text
    return f"<<-EOT\n{text}\nEOT"


def terraform(kit: KitInput) -> str:
    tags = f'{{ "{TAG_MANAGED_BY}" = "{MANAGED_BY}" }}'
    return f"""# Generated by BYOK Desktop for {kit.site}.atlassian.net (request {kit.request_uid}).
# The same roles as {CFN_FILE}. Run: terraform init && terraform apply
# in account {kit.account_id}, then send the provisioning_role_arn output to your rep.

terraform {{
  required_providers {{
    aws = {{
      source = "hashicorp/aws"
    }}
  }}
}}

resource "aws_iam_role" "key_management" {{
  name               = "{kit.role_name}"
  description        = "Lets the SaaS provider use this account's BYOK keys"
  assume_role_policy = {_heredoc(trust_policy(kit.provider_principal))}
  tags               = {tags}
}}

resource "aws_iam_role_policy" "key_management" {{
  name   = "{PERMISSION_POLICY_NAME}"
  role   = aws_iam_role.key_management.id
  policy = {_heredoc(role_permission_policy(kit.account_id))}
}}

resource "aws_iam_role" "provisioning" {{
  name                 = "{PROVISIONING_ROLE_NAME}"
  description          = "Assumed by the account rep's app to provision BYOK keys"
  max_session_duration = 3600
  assume_role_policy   = {_heredoc(provisioning_trust_policy(kit.rep_account_id, kit.external_id))}
  tags                 = {tags}
}}

resource "aws_iam_role_policy" "provisioning" {{
  name   = "{PROVISIONING_POLICY_NAME}"
  role   = aws_iam_role.provisioning.id
  policy = {_heredoc(provisioning_policy(kit.account_id, kit.role_name))}
}}

output "provisioning_role_arn" {{
  value = aws_iam_role.provisioning.arn
}}

output "key_management_role_arn" {{
  value = aws_iam_role.key_management.arn
}}
"""


# --- README ---------------------------------------------------------------------------


def readme(kit: KitInput) -> str:
    permissions = "\n".join(f"  - {p.purpose}:\n      {', '.join(p.actions)}" for p in PERMISSIONS)
    return f"""BYOK set-up for {kit.site}.atlassian.net
{"=" * (14 + len(kit.site) + 14)}

Run ONE of these in AWS account {kit.account_id} (the account for your BYOK keys),
as an administrator who may create IAM roles:

  CloudFormation:
    aws cloudformation deploy --template-file {CFN_FILE} --stack-name byok-setup \\
      --capabilities CAPABILITY_NAMED_IAM

  Terraform:
    terraform init && terraform apply      (in a folder holding {TF_FILE})

Both create two IAM roles:

1. {kit.role_name}: the key provider ({kit.provider_principal})
   assumes it to use your BYOK keys, and only keys tagged {TAG_MANAGED_BY}={MANAGED_BY}.
   Revoking access later flips its trust statement from Allow to Deny.

2. {PROVISIONING_ROLE_NAME}: your account rep's app assumes it to create and manage
   the keys. It trusts account {kit.rep_account_id} only with this ExternalId:

       {kit.external_id}

   (an ExternalId keeps another customer of the same rep from using this role:
   AWS's "confused deputy" advice). Sessions are named after the rep and the request,
   so your CloudTrail shows who did what. It may only:
{permissions}
   in the BYOK regions, and KMS keys only when they carry the app's tag.

When it is done, send your rep the ARN of the {PROVISIONING_ROLE_NAME} role
(arn:aws:iam::{kit.account_id}:role/{PROVISIONING_ROLE_NAME}). You can delete the
{PROVISIONING_ROLE_NAME} role once your keys are provisioned; the rep needs it again
only to revoke or restore access from the app.
"""


def write_kit(kit: KitInput, folder: Path) -> list[Path]:
    """Write the three files into ``folder`` (made if missing); each is written whole
    or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        (CFN_FILE, cloudformation_yaml(kit)),
        (TF_FILE, terraform(kit)),
        (README_FILE, readme(kit)),
    ):
        path = folder / name
        _write_whole(path, text)
        written.append(path)
    return written


def _write_whole(path: Path, text: str) -> None:
    """Through a temporary file and a rename, so a failure never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
