"""Does a policy document let a principal do an action? Evaluated as IAM does it, for the
parts of the language this app can evaluate exactly; for the rest the answer is "can't
tell", never a guess. Pure: no AWS call, no I/O.

The rules:

- A statement applies when its principal, action, resource and condition all match.
  Each match is three-valued (yes, no, can't tell); a statement applies when every part
  says yes, cannot apply when one says no, and otherwise may apply.
- An explicit Deny that applies wins over everything (``DENIED``). A Deny that may apply
  makes the answer ``CANT_TELL`` when some Allow applies or may apply (an unconditional
  Deny elsewhere still wins). Without any Allow the access is not granted either way, so
  the answer is then ``NOT_GRANTED``.
- Otherwise an Allow that applies gives ``ALLOWED``; an Allow that only may apply gives
  ``CANT_TELL``; no Allow gives ``NOT_GRANTED`` (IAM denies what it is not told to allow).
- ``Principal``: ``"*"``, ``{"AWS": "*"}``, or ``{"AWS": str | list}`` of ARNs or account
  IDs. An ARN matches the same ARN, compared case-insensitively (IAM role and user names
  are unique regardless of case). An account, written ``"123456789012"`` or
  ``"arn:aws:iam::123456789012:root"``, matches every principal of that account: for a
  Deny that is the whole story (the Deny reaches every principal of the account); for an
  Allow it means AWS leaves the decision to the principal's own IAM policies, which is
  reported as ``Decision.through_account`` (the caller decides what that is worth).
  ``Service``, ``Federated`` and ``CanonicalUser`` principals never match an IAM ARN. Any
  other wildcard in a principal is not valid IAM and gives "can't tell". ``NotPrincipal``
  is not evaluated (its meaning for roles depends on the session ARN): "can't tell".
- ``Action`` and ``NotAction``: a string or a list; ``*`` matches any run of characters and
  ``?`` one character; IAM action names are case-insensitive, service prefix and all.
- ``Resource`` and ``NotResource``: absent (trust policies) or ``"*"`` match; other
  patterns are matched (case-sensitively, with ``*`` and ``?``) against the resource ARN the
  caller names; with no resource named, or with a policy variable, "can't tell".
- ``Condition``: only ``String(Not)Equals``, ``String(Not)EqualsIgnoreCase`` and
  ``String(Not)Like``, optionally with ``IfExists`` or a ``ForAnyValue:``/``ForAllValues:``
  qualifier (negated operators only without one), and only for keys the caller supplies
  in ``context`` (key names are case-insensitive; an empty list means "not in the
  request"). Any other operator or key gives "can't tell".
- A statement element this module does not know, an Effect other than Allow or Deny, or a
  document that is not JSON gives "can't tell".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any


class Verdict(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # an explicit Deny applies
    NOT_GRANTED = "not_granted"  # no Allow applies
    CANT_TELL = "cant_tell"  # the answer hangs on something this module does not evaluate


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    statement: str = ""  # the deciding statement: its Sid, else "#n" (1-based); "" for none
    reason: str = ""  # why it can't tell (a sentence fragment); "" otherwise
    action: str = ""  # the action asked about (set by decide_all for the deciding action)
    through_account: bool = False  # ALLOWED only through an account principal

    def where(self, policy: str = "policy") -> str:
        """``statement 'Sid' of the policy``, ``statement #2 of the policy`` or, when no
        statement decided, ``the policy``; for messages."""
        if not self.statement:
            return f"the {policy}"
        if self.statement.startswith("#"):
            return f"statement {self.statement} of the {policy}"
        return f"statement {self.statement!r} of the {policy}"


class _Tri(Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


@dataclass(frozen=True, slots=True)
class _Match:
    tri: _Tri
    reason: str = ""  # why MAYBE
    through_account: bool = False


_YES = _Match(_Tri.YES)
_NO = _Match(_Tri.NO)

_KNOWN_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_ACCOUNT = re.compile(r"^\d{12}$", re.ASCII)
_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$", re.ASCII | re.IGNORECASE)
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):", re.ASCII | re.IGNORECASE)


def parse(policy: str | Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The statements of ``policy`` (a JSON text or a decoded document); None when it is
    not a policy document at all."""
    document: Any = policy
    if isinstance(policy, str):
        try:
            document = json.loads(policy)
        except ValueError:
            return None
    if not isinstance(document, Mapping):
        return None
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    return list(statements)


def decide(
    policy: str | Mapping[str, Any],
    principal: str | None,
    action: str,
    resource: str | None = None,
    context: Mapping[str, Sequence[str]] | None = None,
) -> Decision:
    """What ``policy`` says about ``principal`` doing ``action`` on ``resource``.

    ``principal`` is an IAM ARN (or account ID); None for an identity policy, whose
    statements have no Principal. ``context`` holds the condition keys the caller knows
    for this request."""
    statements = parse(policy)
    if statements is None:
        return Decision(Verdict.CANT_TELL, reason="is not a policy document")
    known = {k.casefold(): list(v) for k, v in (context or {}).items()}
    deny_maybe: Decision | None = None
    allow_yes: Decision | None = None
    allow_maybe: Decision | None = None
    for index, statement in enumerate(statements):
        label = _label(statement, index)
        if not isinstance(statement, Mapping):
            match = _Match(_Tri.MAYBE, "is not a JSON object")
            effect = ""
        else:
            effect = str(statement.get("Effect", ""))
            match = _applies(statement, principal, action, resource, known)
            if match.tri is not _Tri.NO and effect not in ("Allow", "Deny"):
                match = _Match(_Tri.MAYBE, f"has the Effect {effect!r}")
        if match.tri is _Tri.NO:
            continue
        if match.tri is _Tri.MAYBE:
            maybe = Decision(Verdict.CANT_TELL, label, match.reason)
            if effect != "Allow":  # a Deny, or an unknown effect: it may deny
                deny_maybe = deny_maybe or maybe
            else:
                allow_maybe = allow_maybe or maybe
            continue
        if effect == "Deny":
            return Decision(Verdict.DENIED, label)
        # Prefer an Allow that names the principal over one that goes through the account.
        if allow_yes is None or (allow_yes.through_account and not match.through_account):
            allow_yes = Decision(Verdict.ALLOWED, label, through_account=match.through_account)
    if deny_maybe is not None and (allow_yes or allow_maybe):
        return deny_maybe
    if allow_yes is not None:
        return allow_yes
    if allow_maybe is not None:
        return allow_maybe
    return Decision(Verdict.NOT_GRANTED)


def decide_all(
    policy: str | Mapping[str, Any],
    principal: str | None,
    actions: Iterable[str],
    resource: str | None = None,
    context: Mapping[str, Sequence[str]] | None = None,
) -> Decision:
    """One answer for several actions that are all needed: a Deny of any of them, else
    "can't tell" about any, else a missing one, else allowed (through the account if any
    of them is)."""
    decisions = [_with_action(decide(policy, principal, a, resource, context), a) for a in actions]
    for verdict in (Verdict.DENIED, Verdict.CANT_TELL, Verdict.NOT_GRANTED):
        for decision in decisions:
            if decision.verdict is verdict:
                return decision
    through = [d for d in decisions if d.through_account]
    return through[0] if through else decisions[0] if decisions else Decision(Verdict.ALLOWED)


def _with_action(decision: Decision, action: str) -> Decision:
    return Decision(
        decision.verdict, decision.statement, decision.reason, action, decision.through_account
    )


def _label(statement: Any, index: int) -> str:
    sid = statement.get("Sid") if isinstance(statement, Mapping) else None
    if isinstance(sid, str) and sid:
        return sid
    return f"#{index + 1}"


def _applies(
    statement: Mapping[str, Any],
    principal: str | None,
    action: str,
    resource: str | None,
    context: Mapping[str, list[str]],
) -> _Match:
    unknown = sorted(set(statement) - _KNOWN_ELEMENTS)
    parts = [
        _action_match(statement, action),
        _principal_match(statement, principal),
        _resource_match(statement, resource),
        _condition_match(statement.get("Condition"), context),
    ]
    if unknown:
        parts.append(_Match(_Tri.MAYBE, f"has the element {unknown[0]!r}"))
    return _all(parts)


def _all(parts: Sequence[_Match]) -> _Match:
    """The conjunction: no if any part is no, else maybe if any is maybe, else yes."""
    if any(p.tri is _Tri.NO for p in parts):
        return _NO
    for part in parts:
        if part.tri is _Tri.MAYBE:
            return part
    return _Match(_Tri.YES, through_account=any(p.through_account for p in parts))


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


@lru_cache(maxsize=512)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile(text, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _glob(glob: str, value: str, ignore_case: bool) -> bool:
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def _action_match(statement: Mapping[str, Any], action: str) -> _Match:
    if "Action" in statement and "NotAction" in statement:
        return _Match(_Tri.MAYBE, "has both Action and NotAction")
    negated = "NotAction" in statement
    if not negated and "Action" not in statement:
        return _Match(_Tri.MAYBE, "has no Action")
    patterns = _strings(statement["NotAction" if negated else "Action"])
    if patterns is None:
        return _Match(_Tri.MAYBE, "has an Action that is not a string or list of strings")
    hit = any(_glob(p, action, ignore_case=True) for p in patterns)
    return _YES if hit is not negated else _NO


def _principal_match(statement: Mapping[str, Any], principal: str | None) -> _Match:
    if "NotPrincipal" in statement:
        return _Match(_Tri.MAYBE, "uses NotPrincipal, which the app does not evaluate")
    if principal is None:  # an identity policy
        if "Principal" in statement:
            return _Match(_Tri.MAYBE, "names a Principal in an identity policy")
        return _YES
    if "Principal" not in statement:
        return _Match(_Tri.MAYBE, "has no Principal")
    value = statement["Principal"]
    if value == "*":
        return _YES
    if not isinstance(value, Mapping):
        return _Match(_Tri.MAYBE, f"has the Principal {value!r}")
    matches: list[_Match] = []
    for kind, names in value.items():
        listed = _strings(names)
        if listed is None:
            return _Match(_Tri.MAYBE, f"has a {kind} principal that is not a string or list")
        if kind != "AWS":
            if kind in ("Service", "Federated", "CanonicalUser"):
                continue  # never an IAM role, user or account
            return _Match(_Tri.MAYBE, f"has a principal of kind {kind!r}")
        matches.extend(_aws_principal(name, principal) for name in listed)
    if any(m.tri is _Tri.YES and not m.through_account for m in matches):
        return _YES
    for match in matches:
        if match.tri is _Tri.MAYBE:
            return match
    if any(m.tri is _Tri.YES for m in matches):
        return _Match(_Tri.YES, through_account=True)
    return _NO


def _account_of(arn: str) -> str:
    if _ACCOUNT.match(arn):
        return arn
    found = _ARN_ACCOUNT.match(arn)
    return found.group(1) if found else ""


def _aws_principal(name: str, principal: str) -> _Match:
    if name == "*":
        return _YES
    if "*" in name or "?" in name:
        return _Match(_Tri.MAYBE, f"has the principal pattern {name!r}, which IAM does not allow")
    asker = _account_of(principal)
    root = _ROOT.match(name)
    account = name if _ACCOUNT.match(name) else root.group(1) if root else ""
    if account:
        if _account_of(principal) == principal or _ROOT.match(principal):
            return _YES if account == asker else _NO  # the account itself
        return _Match(_Tri.YES, through_account=True) if account == asker else _NO
    return _YES if name.casefold() == principal.casefold() else _NO


def _resource_match(statement: Mapping[str, Any], resource: str | None) -> _Match:
    if "Resource" in statement and "NotResource" in statement:
        return _Match(_Tri.MAYBE, "has both Resource and NotResource")
    negated = "NotResource" in statement
    if not negated and "Resource" not in statement:
        return _YES  # trust policies have none
    patterns = _strings(statement["NotResource" if negated else "Resource"])
    if patterns is None:
        return _Match(_Tri.MAYBE, "has a Resource that is not a string or list of strings")
    if "*" in patterns:
        return _NO if negated else _YES
    if any("${" in p for p in patterns):
        return _Match(_Tri.MAYBE, "has a policy variable in its Resource")
    if resource is None:
        return _Match(_Tri.MAYBE, "names resources and the check names none")
    hit = any(_glob(p, resource, ignore_case=False) for p in patterns)
    return _YES if hit is not negated else _NO


_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, ignore case, like)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringNotEqualsIgnoreCase": (True, True, False),
    "StringLike": (False, False, True),
    "StringNotLike": (True, False, True),
}


def _condition_match(condition: Any, context: Mapping[str, list[str]]) -> _Match:
    if condition is None:
        return _YES
    if not isinstance(condition, Mapping):
        return _Match(_Tri.MAYBE, "has a Condition that is not a JSON object")
    results: list[_Match] = []
    for operator, tests in condition.items():
        if not isinstance(tests, Mapping):
            return _Match(_Tri.MAYBE, f"has a condition {operator} that is not a JSON object")
        for key, values in tests.items():
            results.append(_test(str(operator), str(key), values, context))
    return _all(results)


def _test(operator: str, key: str, values: Any, context: Mapping[str, list[str]]) -> _Match:
    cant = _Match(_Tri.MAYBE, f"has a condition ({operator} on {key}) the app does not evaluate")
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    name = name.removesuffix("IfExists")
    wanted = _strings(values)
    if name not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return cant
    if wanted is None or any("${" in w for w in wanted) or key.casefold() not in context:
        return cant
    negated, ignore_case, like = _OPERATORS[name]
    if negated and qualifier:
        return cant

    def one(value: str) -> bool:
        if like:
            return any(_glob(w, value, ignore_case) for w in wanted)
        if ignore_case:
            return value.casefold() in {w.casefold() for w in wanted}
        return value in wanted

    present = context[key.casefold()]
    if qualifier == "ForAllValues":
        return _YES if all(one(v) for v in present) else _NO
    if qualifier == "ForAnyValue":
        return _YES if any(one(v) for v in present) else _NO
    if not present:  # the key is not in the request
        return _YES if (if_exists or negated) else _NO
    if len(present) != 1:
        return cant  # a multivalued key needs a qualifier
    hit = one(present[0])
    return _YES if hit is not negated else _NO
