"""Before anything is locked or created: can the customer's role do what provisioning needs?

The preflight runs as the assumed provisioning role. It confirms the role exists and
trusts the rep's account only with the ExternalId, looks at the key-management role if
the customer made it already, and asks IAM to simulate every permission the app needs
(``iam:SimulatePrincipalPolicy`` on the role itself). Where the role may not simulate,
it says it cannot check and lets provisioning go on; a missing permission stops it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from byok_desktop.aws.connection import AwsConnection
from byok_desktop.aws.errors import AwsFault, AwsProblem, classify, error_code
from byok_desktop.aws.realism import trust_allows
from byok_desktop.aws.role_chain import CustomerRole
from byok_desktop.provisioning.permissions import Permission, simulation_cases
from byok_desktop.provisioning.policies import provider_access_allowed

log = logging.getLogger("byok_desktop.aws")
# Faults that would stop provisioning too: said at once, never "can't check".
_CREDENTIAL_FAULTS = (
    AwsFault.EXPIRED_CREDENTIALS,
    AwsFault.INVALID_CREDENTIALS,
    AwsFault.MISSING_CREDENTIALS,
)


@dataclass(slots=True)
class PreflightResult:
    """``missing``: what stops provisioning, in plain words; ``notes``: what was not
    checked or looks odd but does not stop it; ``checked``: what was confirmed."""

    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    # The AWS refusal that stopped the check before it began (the role could not be
    # assumed, or opened another account): a submit reports it as an AWS fault.
    stopped_by: AwsProblem | None = None

    @property
    def ok(self) -> bool:
        return not self.missing

    def lines(self) -> list[str]:
        return (
            [f"ok: {line}" for line in self.checked]
            + [f"note: {line}" for line in self.notes]
            + [f"missing: {line}" for line in self.missing]
        )

    def summary(self) -> str:
        """One paragraph for a refusal: what is missing and what to do."""
        listed = "; ".join(line.rstrip(".") for line in self.missing)
        return (
            f"The customer's account is not ready: {listed}. Send the customer the setup kit "
            "(Export setup kit…, or `main.py setup-kit`) and run the preflight again."
        )



def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        from urllib.parse import unquote

        text = value if value.lstrip().startswith("{") else unquote(value)
        parsed = json.loads(text)
        return parsed if isinstance(parsed, dict) else {}
    return dict(value) if isinstance(value, dict) else {}


def run_preflight(
    connection: AwsConnection,
    role: CustomerRole,
    rep_account_id: str,
    *,
    role_name: str,
    provider_principal: str,
    regions: Iterable[str],
) -> PreflightResult:
    """``connection`` acts as ``role`` already (assumed and its account verified: the
    caller reports that as a missing item when it fails)."""
    result = PreflightResult()
    result.checked.append(
        f"assumed {role.role_arn} with ExternalId {role.external_id} as {role.session_name}"
    )
    iam = connection.client("iam")
    _check_own_trust(iam, role, rep_account_id, result)
    _check_key_management_role(iam, role.account_id, role_name, provider_principal, result)
    _check_permissions(iam, role, role_name, list(regions), result)
    return result


def _check_own_trust(
    iam: Any, role: CustomerRole, rep_account_id: str, result: PreflightResult
) -> None:
    name = role.role_arn.rsplit("/", 1)[-1]
    try:
        found = iam.get_role(RoleName=name)["Role"]
    except Exception as exc:
        if error_code(exc) in ("AccessDenied", "AccessDeniedException"):
            result.notes.append(f"can't read {name}'s trust policy (iam:GetRole is denied)")
            return
        if error_code(exc) == "NoSuchEntity":
            result.missing.append(
                f"the role {role.role_arn} does not exist; the customer creates it with the "
                "setup kit"
            )
            return
        raise classify(exc, "iam:GetRole", f"role/{name}") from exc
    trust = _document(found.get("AssumeRolePolicyDocument", {}))
    if trust_allows(trust, rep_account_id, None):
        result.notes.append(
            f"{name} trusts account {rep_account_id} without an ExternalId; ask the customer "
            f"to add the condition sts:ExternalId = {role.external_id} (confused deputy)"
        )
    else:
        result.checked.append(f"{name} trusts account {rep_account_id} only with the ExternalId")


def _check_key_management_role(
    iam: Any, account_id: str, role_name: str, provider_principal: str, result: PreflightResult
) -> None:
    try:
        found = iam.get_role(RoleName=role_name)["Role"]
    except Exception as exc:
        code = error_code(exc)
        if code == "NoSuchEntity":
            result.checked.append(f"{role_name} does not exist yet; provisioning creates it")
            return
        if code in ("AccessDenied", "AccessDeniedException"):
            result.missing.append(
                f"permission to read the key-management role {role_name} (iam:GetRole)"
            )
            return
        raise classify(exc, "iam:GetRole", f"role/{role_name}") from exc
    allowed = provider_access_allowed(
        _document(found.get("AssumeRolePolicyDocument", {})), provider_principal
    )
    if allowed is True:
        result.checked.append(f"{role_name} exists and trusts {provider_principal}")
    elif allowed is False:
        result.missing.append(
            f"{role_name} denies {provider_principal} (access was revoked); restore it first"
        )
    else:
        result.missing.append(
            f"{role_name} exists in account {account_id} but does not trust "
            f"{provider_principal}; the setup kit's template creates it with that trust"
        )


def _check_permissions(
    iam: Any, role: CustomerRole, role_name: str, regions: list[str], result: PreflightResult
) -> None:
    denied: dict[str, tuple[Permission, set[str]]] = {}
    for case in simulation_cases(role.account_id, role_name, regions):
        try:
            answer = iam.simulate_principal_policy(
                PolicySourceArn=role.role_arn,
                ActionNames=list(case.permission.actions),
                ResourceArns=[case.resource],
                ContextEntries=[
                    {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
                    for key, value in case.context.items()
                ],
            )
        except Exception as exc:
            problem = classify(exc, "iam:SimulatePrincipalPolicy", role.role_arn)
            if problem.fault in _CREDENTIAL_FAULTS:
                raise problem from exc
            why = (
                "the role may not call iam:SimulatePrincipalPolicy"
                if problem.fault is AwsFault.ACCESS_DENIED
                else f"AWS could not simulate them: {problem.code or problem.fault.value}"
            )
            log.info("Preflight: permissions not simulated: %s", problem)
            result.notes.append(f"can't check permissions ({why}); going on")
            return
        for evaluation in answer.get("EvaluationResults", []):
            if evaluation.get("EvalDecision") != "allowed":
                entry = denied.setdefault(case.permission.sid, (case.permission, set()))
                entry[1].add(str(evaluation.get("EvalActionName")))
    for permission, actions in denied.values():
        listed = ", ".join(a for a in permission.actions if a in actions)
        result.missing.append(f"permission to {permission.purpose} ({listed})")
    if not denied:
        result.checked.append("every permission provisioning needs is allowed")


def preflight_problem(exc: AwsProblem) -> PreflightResult:
    """The result when the role could not be assumed or opened another account."""
    return PreflightResult(missing=[str(exc)], stopped_by=exc)
