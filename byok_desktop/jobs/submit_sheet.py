"""What a submit locks for good and what it creates in AWS, said before anything is
locked: the GUI's submit sheet and the CLI's ``provision`` confirmation read the same."""

from __future__ import annotations

from dataclasses import dataclass

from byok_desktop.products import JIRA_FAMILY_COVERED, ProductFamily, sorted_products
from byok_desktop.provisioning.naming import KeyTarget
from byok_desktop.request import RequestDraft
from byok_desktop.validation import site_key


@dataclass(frozen=True, slots=True)
class SubmitSheet:
    request_id: int
    title: str
    choices: tuple[tuple[str, str], ...]  # (what, the value locked): can never change
    creates: tuple[str, ...]  # what is made in the customer's AWS account

    def text(self) -> str:
        """The sheet as plain lines (the CLI prints it)."""
        width = max(len(label) for label, _value in self.choices)
        lines = [self.title, "", "Can never change after this:"]
        lines += [f"  {label.ljust(width)}  {value}" for label, value in self.choices]
        lines += ["", "Created in AWS:"]
        lines += [f"  - {line}" for line in self.creates]
        return "\n".join(lines)


def submit_sheet(
    request_id: int, draft: RequestDraft, role_name: str, provider_principal: str
) -> SubmitSheet:
    """The sheet for a Ready request (its location is set, its products chosen)."""
    assert draft.location is not None, "only a Ready request is submitted"
    site = site_key(draft.site_name)
    location = draft.location
    primary, replica = location.regions
    products = ", ".join(p.display_name for p in sorted_products(draft.products))
    choices: list[tuple[str, str]] = [
        ("Site", f"{site}.atlassian.net"),
        ("Location", f"{location.display_name}: {primary.label()} and {replica.label()}"),
        ("Products", f"{products} (BYOK can never be turned off)"),
    ]
    if ProductFamily.JIRA in draft.families:
        choices.append(
            ("Jira family", f"one key covers {', '.join(JIRA_FAMILY_COVERED)} on this site")
        )
    choices.append(("AWS account", draft.aws_account_id))
    creates = []
    for family in sorted(draft.families, key=lambda f: f.value):
        alias = KeyTarget(site, family, location, draft.uid).alias
        creates.append(
            f"{family.display_name}: a multi-Region key in {primary.code}, its replica in "
            f"{replica.code}, and the alias {alias} in both regions"
        )
    creates.append(
        f"The key-management role {role_name} (if the account has none yet), trusting "
        f"{provider_principal}"
    )
    return SubmitSheet(
        request_id,
        f"Provision request #{request_id} for {site}?",
        tuple(choices),
        tuple(creates),
    )
