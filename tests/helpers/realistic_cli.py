"""``main.py`` with the realistic AWS layer (byok_desktop/aws/realism.py) on every AWS
connection it opens, against a moto server the test process runs:

    python -m tests.helpers.realistic_cli ENDPOINT ACCOUNT main.py-arguments...

The layer lives in this process only, so it never saw the roles the test (playing the
customer's admin) made in ACCOUNT beforehand: they are read from the server first and
handed to the layer (``RealisticAws.learn_role``), which then enforces their trust
policies (the ExternalId) on AssumeRole and answers SimulatePrincipalPolicy from their
inline policies, as AWS would.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from byok_desktop.aws.connection import AwsConfig, AwsConnection, AwsCredentials
from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile
from byok_desktop.credentials.secret import AwsSecret


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    parsed = json.loads(unquote(str(value)))
    return parsed if isinstance(parsed, dict) else {}


def learn_roles(layer: RealisticAws, endpoint: str, account: str) -> None:
    """Every role of ``account`` on the server, with its trust and inline policies."""
    admin = AwsConnection(
        AwsConfig(endpoint_url=endpoint, sandbox_account_id=account, max_attempts=2),
        AwsCredentials("AKIAIOSFODNN7EXAMPLE", AwsSecret("secret-value")),
        "us-east-1",
    )
    iam = admin.client("iam")
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        policies = {
            policy: _document(
                iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            )
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
        }
        layer.learn_role(role["Arn"], _document(role["AssumeRolePolicyDocument"]), policies)


def run(argv: Sequence[str]) -> int:
    endpoint, account = argv[0], argv[1]
    layer = RealisticAws(Realism.quick())
    learn_roles(layer, endpoint, account)
    original = AppContext.aws_config

    def aws_config(context: AppContext, profile: Profile) -> AwsConfig:
        return replace(original(context, profile), realism=layer)

    AppContext.aws_config = aws_config  # type: ignore[method-assign]
    import main

    return main.main(list(argv[2:]))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
