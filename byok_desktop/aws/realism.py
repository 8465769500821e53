"""An AWS that behaves like AWS: what real AWS does and moto does not, added around moto.

moto answers at once and always consistently; real AWS does not, and the app must cope
(see DOMAIN.md, "moto 5 differs from AWS"). This layer sits on the client side, in the
botocore event hooks of every client an ``AwsConnection`` makes when its ``AwsConfig``
names one (``AwsConfig(realism=RealisticAws(...))``), so it works the same against moto
in this process (``mock_aws``, the tests) and against a moto server (the sandbox). It
adds:

- **IAM propagation.** A role is invisible to KMS for ``principal_delay_s`` after
  CreateRole: a key policy naming it (CreateKey, PutKeyPolicy, ReplicateKey) is refused
  with ``MalformedPolicyDocumentException`` "Policy contains a statement with one or more
  invalid principals.", and it cannot be assumed yet.
- **Trust policies enforced on AssumeRole, late.** AssumeRole is evaluated against the
  role's trust policy *as it was* until ``trust_delay_s`` after CreateRole or
  UpdateAssumeRolePolicy: an explicit Deny for the caller's account wins, an Allow with
  an ``sts:ExternalId`` condition needs that ExternalId, no matching Allow is
  AccessDenied. The layer knows the caller's account (the connection's sandbox account,
  else moto's default), not which principal of it calls: a statement naming any
  principal of that account applies. Roles it never saw created or changed are left to
  moto.
- **Replicas ``Creating``.** DescribeKey in the replica's region reports the key
  ``Creating`` for ``replica_creating_s`` after ReplicateKey; EnableKey, DisableKey and
  cryptographic calls on it are refused with ``KMSInvalidStateException``.
- **Aliases listed late.** ListAliases leaves out an alias for ``alias_listing_delay_s``
  after CreateAlias (CreateAlias itself then says ``AlreadyExistsException``, as AWS does).
- **SimulatePrincipalPolicy** (moto has none): answered from the inline policies the
  layer saw put on the role (PutRolePolicy), evaluated as IAM does for the actions,
  resource and context keys asked about (an explicit Deny wins; no Allow is an
  implicitDeny). The caller is taken to be the simulated role itself (the preflight's
  case): a role whose policies do not allow it ``iam:SimulatePrincipalPolicy`` is
  refused with AccessDenied. Roles without policies the layer saw are left to moto.
- **Throttling bursts.** Each attempt starts a burst with probability ``throttle_rate``
  (a seeded RNG: the same seed throttles the same attempts); a burst throttles
  ``throttle_burst`` attempts in a row across all clients, as an account's request rate
  does. ``throttle_next(n)`` starts one now.

How it hooks in. Refusals are answered in ``before-send``, in the service's wire
protocol, so botocore's retry handler sees them exactly as it sees AWS's answers
(throttling is retried, the rest are not). Late views (``Creating``, missing aliases)
are edits of the parsed answer in ``after-call``, which is also where the layer learns
what was created and when. The call's own parameters reach both through the request
context, stored in ``before-parameter-build``.

moto in this process answers from a ``before-send`` handler of its own, and botocore
runs *every* ``before-send`` handler even after one answered: a refused CreateKey would
still create the key. So when moto is loaded, the layer takes moto's handler's place on
the client and calls it itself for the attempts it lets through (against a moto server
the handler is idle and botocore sends the request over HTTP). Do not combine this
layer with ``tests/helpers/aws_faults.AwsFaults`` on the same client: both would call
moto's handler.

Time comes from an injectable clock (tests use a fake one, or delays of a fraction of a
second), so nothing here sleeps. The state is shared by every client the layer is
attached to and guarded by a lock: one layer is one AWS. Keys: roles by ARN, trust
policies by (account, role name), replicas by (region, key ID), aliases by (account,
region, alias name).
"""

from __future__ import annotations

import json
import logging
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from xml.sax.saxutils import escape

log = logging.getLogger("byok_desktop.aws")

MOTO_DEFAULT_ACCOUNT = "123456789012"
_PARAMS = "byok_realism_params"
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
_POLICY_CALLS = frozenset({"CreateKey", "PutKeyPolicy", "ReplicateKey"})
_REFUSED_WHILE_CREATING = frozenset(
    {
        "EnableKey",
        "DisableKey",
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
    }
)


@dataclass(frozen=True, slots=True)
class Realism:
    """How long AWS takes to become consistent, and how often it throttles."""

    principal_delay_s: float = 8.0  # a new role becomes visible to KMS and STS
    trust_delay_s: float = 10.0  # a trust policy change applies to AssumeRole
    replica_creating_s: float = 6.0  # a new replica is Creating
    alias_listing_delay_s: float = 2.0  # a new alias shows in ListAliases
    throttle_rate: float = 0.02  # share of attempts that start a throttling burst
    throttle_burst: int = 2  # attempts throttled in a row (fewer than max attempts)
    seed: int | None = None  # None: a different burst pattern each run

    @classmethod
    def quick(cls, **changes: Any) -> Realism:
        """Delays of a fraction of a second and no random throttling: for tests."""
        base = cls(
            principal_delay_s=0.3,
            trust_delay_s=0.3,
            replica_creating_s=0.3,
            alias_listing_delay_s=0.2,
            throttle_rate=0.0,
            seed=0,
        )
        return replace(base, **changes)


@dataclass(frozen=True, slots=True)
class _Trust:
    before: dict[str, Any] | None  # None: the role did not exist (cannot be assumed)
    after: dict[str, Any]
    changed_at: float


class RealisticAws:
    """One simulated AWS's late views and refusals; attach it to clients."""

    def __init__(
        self, realism: Realism | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.realism = realism or Realism()
        self._clock = clock
        self._rng = random.Random(self.realism.seed)
        self._lock = threading.Lock()
        self._roles: dict[str, float] = {}  # role ARN -> created at
        self._trust: dict[tuple[str, str], _Trust] = {}
        self._replicas: dict[tuple[str, str], float] = {}  # (region, key ID) -> replicated at
        self._aliases: dict[tuple[str, str, str], float] = {}  # -> created at
        # Inline policies by (account, role name) and policy name, for simulation.
        self._role_policies: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._burst_left = 0
        self.throttled = 0  # attempts answered with throttling
        self.refused: list[str] = []  # "service:Operation code" of every other refusal

    def __repr__(self) -> str:
        return f"RealisticAws({self.realism!r})"

    # --- for tests and the log ------------------------------------------------------

    def throttle_next(self, attempts: int) -> None:
        """Throttle the next ``attempts`` attempts, whichever clients send them."""
        with self._lock:
            self._burst_left = max(self._burst_left, attempts)

    def role_visible(self, role_arn: str) -> bool:
        with self._lock:
            return self._role_visible(role_arn, self._clock())

    def learn_role(
        self,
        role_arn: str,
        trust: dict[str, Any],
        policies: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """A role made before this layer started (by another process against the same
        server): visible, its trust policy in force and its inline policies known, so
        AssumeRole and simulation are judged as for a role the layer saw created."""
        key = _role_key(role_arn)
        if key is None:
            raise ValueError(f"not a role ARN: {role_arn}")
        with self._lock:
            now = self._clock()
            self._roles[role_arn] = now - self.realism.principal_delay_s
            self._trust[key] = _Trust(trust, trust, now - self.realism.trust_delay_s)
            if policies is not None:
                self._role_policies[key] = dict(policies)

    # --- attaching ------------------------------------------------------------------

    def attach(self, client: Any, account_id: str = "") -> None:
        """Register the layer's hooks on ``client``; ``account_id``: the account the
        client's calls act in (moto's default when empty)."""
        account = account_id or MOTO_DEFAULT_ACCOUNT
        region = str(client.meta.region_name)
        protocol = str(client.meta.service_model.protocol)
        moto = _moto_handler()
        events = client.meta.events
        if moto is not None:
            events.unregister("before-send", moto)

        def gate(event_name: str, request: Any, **kwargs: Any) -> Any:
            operation = event_name.rsplit(".", 1)[-1]
            params = (getattr(request, "context", None) or {}).get(_PARAMS, {})
            refusal = self._refusal(event_name, operation, params, account, region)
            if refusal is not None:
                code, message, status = refusal
                return _error_response(request, protocol, code, message, status)
            if operation == "SimulatePrincipalPolicy":
                body = self._simulation(params)
                if body is not None:
                    return _xml_response(request, body)
            return moto(event_name, request, **kwargs) if moto is not None else None

        def remember(params: Any = None, context: Any = None, **_: Any) -> None:
            if isinstance(context, dict) and isinstance(params, dict):
                context[_PARAMS] = dict(params)

        def observe(
            event_name: str,
            http_response: Any = None,
            parsed: Any = None,
            context: Any = None,
            **_: Any,
        ) -> None:
            if http_response is None or http_response.status_code >= 300:
                return
            if not isinstance(parsed, dict):
                return
            params = (context or {}).get(_PARAMS, {})
            self._observe(event_name.rsplit(".", 1)[-1], params, parsed, account, region)

        events.register("before-parameter-build", remember)
        events.register("before-send", gate)
        events.register("after-call", observe)

    # --- before-send: what AWS would refuse -----------------------------------------

    def _refusal(
        self, event_name: str, operation: str, params: dict[str, Any], account: str, region: str
    ) -> tuple[str, str, int] | None:
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else ""
        now = self._clock()
        with self._lock:
            if self._throttle():
                self.throttled += 1
                log.debug("Realistic AWS: throttled %s:%s in %s", service, operation, region)
                return ("ThrottlingException", "Rate exceeded", 400)
            refusal = self._refusal_locked(service, operation, params, account, region, now)
            if refusal is not None:
                self.refused.append(f"{service}:{operation} {refusal[0]}")
                log.debug("Realistic AWS: refused %s:%s: %s", service, operation, refusal[1])
            return refusal

    def _throttle(self) -> bool:
        if self._burst_left > 0:
            self._burst_left -= 1
            return True
        rate = self.realism.throttle_rate
        if rate > 0 and self._rng.random() < rate:
            self._burst_left = max(0, self.realism.throttle_burst - 1)
            return True
        return False

    def _refusal_locked(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        account: str,
        region: str,
        now: float,
    ) -> tuple[str, str, int] | None:
        if service == "kms" and operation in _POLICY_CALLS and params.get("Policy"):
            for principal in _principals(str(params["Policy"])):
                if principal in self._roles and not self._role_visible(principal, now):
                    return ("MalformedPolicyDocumentException", INVALID_PRINCIPALS, 400)
        if service == "kms" and operation in _REFUSED_WHILE_CREATING:
            key_id = _key_id(str(params.get("KeyId", "")))
            if self._creating(region, key_id, now):
                return (
                    "KMSInvalidStateException",
                    f"arn:aws:kms:{region}:{account}:key/{key_id} is pending creation.",
                    400,
                )
        if service == "sts" and operation == "AssumeRole":
            return self._assume_role_refusal(params, account, now)
        if service == "iam" and operation == "SimulatePrincipalPolicy":
            source = str(params.get("PolicySourceArn", ""))
            policies = self._policies_of(source)
            if (
                policies is not None
                and _decision(policies, "iam:SimulatePrincipalPolicy", source, {}) != "allowed"
            ):
                return (
                    "AccessDenied",
                    f"User: {source} is not authorized to perform: "
                    f"iam:SimulatePrincipalPolicy on resource: {source}",
                    403,
                )
        return None

    def _policies_of(self, role_arn: str) -> list[dict[str, Any]] | None:
        key = _role_key(role_arn)
        if key is None or key not in self._role_policies:
            return None
        return list(self._role_policies[key].values())

    def _simulation(self, params: dict[str, Any]) -> str | None:
        """SimulatePrincipalPolicy's answer (query XML), or None to leave it to moto."""
        with self._lock:
            policies = self._policies_of(str(params.get("PolicySourceArn", "")))
        if policies is None:
            return None
        context = {
            str(entry.get("ContextKeyName", "")).lower(): _as_list(entry.get("ContextKeyValues"))
            for entry in params.get("ContextEntries", []) or []
        }
        members = []
        for action in params.get("ActionNames", []) or []:
            for resource in params.get("ResourceArns") or ["*"]:
                decision = _decision(policies, str(action), str(resource), context)
                members.append(
                    f"<member><EvalActionName>{escape(str(action))}</EvalActionName>"
                    f"<EvalResourceName>{escape(str(resource))}</EvalResourceName>"
                    f"<EvalDecision>{decision}</EvalDecision></member>"
                )
        return (
            '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            "<SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated>"
            f"<EvaluationResults>{''.join(members)}</EvaluationResults>"
            "</SimulatePrincipalPolicyResult>"
            "<ResponseMetadata><RequestId>realistic-aws</RequestId></ResponseMetadata>"
            "</SimulatePrincipalPolicyResponse>"
        )

    def _role_visible(self, role_arn: str, now: float) -> bool:
        created = self._roles.get(role_arn)
        return created is None or now >= created + self.realism.principal_delay_s

    def _creating(self, region: str, key_id: str, now: float) -> bool:
        replicated = self._replicas.get((region, key_id))
        return replicated is not None and now < replicated + self.realism.replica_creating_s

    def _trust_in_force(self, key: tuple[str, str], now: float) -> dict[str, Any] | None:
        trust = self._trust[key]
        if now < trust.changed_at + self.realism.trust_delay_s:
            return trust.before
        return trust.after

    def _assume_role_refusal(
        self, params: dict[str, Any], caller_account: str, now: float
    ) -> tuple[str, str, int] | None:
        role_arn = str(params.get("RoleArn", ""))
        key = _role_key(role_arn)
        if key is None or key not in self._trust:
            return None  # a role the layer never saw: moto decides
        denied = (
            "AccessDenied",
            f"User: arn:aws:iam::{caller_account}:root is not authorized to perform: "
            f"sts:AssumeRole on resource: {role_arn}",
            403,
        )
        if not self._role_visible(role_arn, now):
            return denied
        document = self._trust_in_force(key, now)
        if document is None:
            return denied
        external_id = params.get("ExternalId")
        if trust_allows(
            document, caller_account, None if external_id is None else str(external_id)
        ):
            return None
        return denied

    # --- after-call: what AWS would show, and what just changed ------------------------

    def _observe(
        self,
        operation: str,
        params: dict[str, Any],
        parsed: dict[str, Any],
        account: str,
        region: str,
    ) -> None:
        now = self._clock()
        with self._lock:
            if operation == "CreateRole":
                role = parsed.get("Role", {})
                arn = str(role.get("Arn", ""))
                self._roles[arn] = now
                document = _document(params.get("AssumeRolePolicyDocument"))
                self._trust[(account, str(params.get("RoleName", "")))] = _Trust(
                    None, document, now
                )
            elif operation == "UpdateAssumeRolePolicy":
                key = (account, str(params.get("RoleName", "")))
                before = self._trust_in_force(key, now) if key in self._trust else None
                if key not in self._trust:
                    # Changed before the layer saw it: AWS applied whatever it had, which
                    # the layer cannot know; treat the change as already in force.
                    before = _document(params.get("PolicyDocument"))
                self._trust[key] = _Trust(before, _document(params.get("PolicyDocument")), now)
            elif operation == "PutRolePolicy":
                key = (account, str(params.get("RoleName", "")))
                policies = self._role_policies.setdefault(key, {})
                policies[str(params.get("PolicyName", ""))] = _document(
                    params.get("PolicyDocument")
                )
            elif operation == "DeleteRolePolicy":
                key = (account, str(params.get("RoleName", "")))
                self._role_policies.get(key, {}).pop(str(params.get("PolicyName", "")), None)
            elif operation == "ReplicateKey":
                meta = parsed.get("ReplicaKeyMetadata", {})
                replica_region = str(params.get("ReplicaRegion", ""))
                self._replicas[(replica_region, _key_id(str(meta.get("KeyId", ""))))] = now
            elif operation == "CreateAlias":
                self._aliases[(account, region, str(params.get("AliasName", "")))] = now
            elif operation == "DescribeKey":
                meta = parsed.get("KeyMetadata")
                if isinstance(meta, dict):
                    key_id = _key_id(str(meta.get("KeyId", "")))
                    if self._creating(region, key_id, now) and meta.get("KeyState") == "Enabled":
                        meta["KeyState"] = "Creating"
                        meta["Enabled"] = False
            elif operation == "ListAliases":
                listed = parsed.get("Aliases")
                if isinstance(listed, list):
                    parsed["Aliases"] = [
                        entry
                        for entry in listed
                        if self._alias_listed(account, region, str(entry.get("AliasName")), now)
                    ]

    def _alias_listed(self, account: str, region: str, alias: str, now: float) -> bool:
        created = self._aliases.get((account, region, alias))
        return created is None or now >= created + self.realism.alias_listing_delay_s


# --- trust policy evaluation ----------------------------------------------------------


def trust_allows(document: dict[str, Any], caller_account: str, external_id: str | None) -> bool:
    """Whether a trust policy lets a principal of ``caller_account`` call sts:AssumeRole
    (with ``external_id``): an explicit Deny wins, then an Allow whose conditions hold.
    Conditions other than ``sts:ExternalId`` are not understood, so such an Allow does not
    apply (a Deny with them applies: the cautious reading both ways)."""
    allowed = False
    for statement in _statements(document):
        if not _names_assume_role(statement) or not _names_account(statement, caller_account):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow" and _conditions_hold(statement.get("Condition"), external_id):
            allowed = True
    return allowed


def _statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    listed = document.get("Statement", [])
    for statement in listed if isinstance(listed, list) else [listed]:
        if isinstance(statement, dict):
            yield statement


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def _names_assume_role(statement: dict[str, Any]) -> bool:
    return any(a in ("sts:AssumeRole", "sts:*", "*") for a in _as_list(statement.get("Action")))


def _names_account(statement: dict[str, Any], account: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    named = _as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    return any(p == "*" or p == account or p.split(":")[4:5] == [account] for p in named)


def _conditions_hold(condition: Any, external_id: str | None) -> bool:
    if not condition:
        return True
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if operator != "StringEquals" or not isinstance(tests, dict):
            return False
        for key, wanted in tests.items():
            if key.lower() != "sts:externalid":
                return False
            if external_id is None or external_id not in _as_list(wanted):
                return False
    return True


# --- identity policy evaluation (for simulation) ----------------------------------------


def _decision(
    policies: list[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]]
) -> str:
    """IAM's decision for one action on one resource: "explicitDeny", "allowed" or
    "implicitDeny". Conditions: StringEquals and StringLike over the context keys given
    (a key that is not given makes its test false); other operators never match."""
    allowed = False
    for document in policies:
        for statement in _statements(document):
            if not _matches_any(_as_list(statement.get("Action")), action, fold=True):
                continue
            if not _matches_any(_as_list(statement.get("Resource", "*")), resource):
                continue
            if not _context_holds(statement.get("Condition"), context):
                continue
            if statement.get("Effect") == "Deny":
                return "explicitDeny"
            allowed = allowed or statement.get("Effect") == "Allow"
    return "allowed" if allowed else "implicitDeny"


def _matches_any(patterns: list[str], value: str, fold: bool = False) -> bool:
    from fnmatch import fnmatchcase

    if fold:
        value = value.lower()
    return any(fnmatchcase(value, p.lower() if fold else p) for p in patterns)


def _context_holds(condition: Any, context: dict[str, list[str]]) -> bool:
    if not condition:
        return True
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if operator not in ("StringEquals", "StringLike") or not isinstance(tests, dict):
            return False
        for key, wanted in tests.items():
            given = context.get(str(key).lower())
            if not given:
                return False
            patterns = _as_list(wanted)
            if operator == "StringEquals" and not any(v in patterns for v in given):
                return False
            if operator == "StringLike" and not any(_matches_any(patterns, v) for v in given):
                return False
    return True


# --- helpers ----------------------------------------------------------------------------


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(str(value or "{}"))
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _principals(policy: str) -> Iterator[str]:
    for statement in _statements(_document(policy)):
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            yield from _as_list(principal.get("AWS"))


def _key_id(key: str) -> str:
    """A key ID from a key ID or key ARN."""
    return key.rsplit("key/", 1)[-1] if "key/" in key else key


def _role_key(role_arn: str) -> tuple[str, str] | None:
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    return parts[4], parts[5].rsplit("/", 1)[-1]


def _moto_handler() -> Any:
    """moto's in-process ``before-send`` handler, when moto is loaded (never imported
    here: real AWS and the sandbox's server need no moto in this process)."""
    models = sys.modules.get("moto.core.models")
    return getattr(models, "botocore_stubber", None) if models is not None else None


class _Raw:
    """The ``raw`` of an ``AWSResponse``: botocore reads the body with ``stream()``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _xml_response(request: Any, body: str) -> Any:
    """A successful query-protocol answer (IAM, STS)."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    headers = HTTPHeaders()
    headers["Content-Type"] = "text/xml"
    headers["x-amzn-RequestId"] = "realistic-aws"
    return AWSResponse(request.url, 200, headers, _Raw(body.encode()))


def _error_response(request: Any, protocol: str, code: str, message: str, status: int) -> Any:
    """An error answer in the client's wire protocol (KMS: JSON; IAM and STS: query XML)."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    headers = HTTPHeaders()
    if protocol == "query":
        if code == "ThrottlingException":
            code = "Throttling"  # IAM's and STS's spelling
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>realistic-aws</RequestId></ErrorResponse>"
        )
        headers["Content-Type"] = "text/xml"
    else:
        body = json.dumps({"__type": code, "message": message})
        headers["Content-Type"] = "application/x-amz-json-1.1"
    headers["x-amzn-RequestId"] = "realistic-aws"
    return AWSResponse(request.url, status, headers, _Raw(body.encode()))
