"""Names that could be hostile in a shell, SQL, HTML, a file name or a spreadsheet: shared
by the hostile-name tests of the core, the command line and the GUI (issue 7)."""

from __future__ import annotations

from byok_desktop.locations import Location
from byok_desktop.products import Product
from byok_desktop.request import RequestDraft

# Commands that would leave a file behind if anything handed a name to a shell.
PWNED = "byok-pwned"
SHELL = [
    "$(rm -rf ~)",
    "`id`",
    "; ls",
    "| cat /etc/passwd",
    "&& echo hi",
    "$HOME ${IFS} $0",
    f"$(touch {PWNED}-1)",
    f"`touch {PWNED}-2`",
    f"; touch {PWNED}-3 #",
    f"x'; touch {PWNED}-4; '",
]
SQL = [
    "'; DROP TABLE requests; --",
    "Robert'); DROP TABLE requests;--",
    '" OR 1=1 --',
    "1; DELETE FROM requests",
    "%",
    "_",
    "\\",
    "%_\\%",
    "50% off_sale\\x",
    "[a-z]*",
]
HTML = [
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "&amp;",
    "&lt;b&gt;",
    "<script>alert(1)</script>",
    "<a href='http://x'>click</a>",
    "</td></tr><tr><td>",
    "<!-- comment -->",
]
FILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "CON",
    "NUL.txt",
    "a/b",
    "name\x00x",
    "/absolute",
    "~",
    "." * 3,
    "L" * 300,
]
SPREADSHEET = [
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
]
UNICODE = [
    "\u202eexe.txt",  # right-to-left override
    "a\u200db",  # zero-width joiner
    "\u200b",  # zero-width space
    "e\u0301",  # combining accent
    "\ufeffbom",
    "\U0001f600",
    "\uff41\uff43\uff4d\uff45",  # fullwidth "acme"
    "\u0430\u0441me",  # Cyrillic look-alike of "acme"
]
FORMATS = ["%s%s%n", "{0.__class__}", "{}", "%(x)s"]
CONTROL = ["line\nbreak", "tab\there", "\x1b[31mred\x1b[0m", "bell\x07", "cr\rreturn"]

HOSTILE = [*SHELL, *SQL, *HTML, *FILE_NAMES, *SPREADSHEET, *UNICODE, *FORMATS, *CONTROL]
# What a request file may carry: a NUL is refused at import, with its field named.
IMPORTABLE = [text for text in HOSTILE if "\x00" not in text]


def hostile_draft(text: str) -> RequestDraft:
    """Every free-text field of a request holds ``text``."""
    return RequestDraft(
        aws_account_id=text,
        site_name=text,
        desired_users=text,
        location=Location.EU,
        products=frozenset({Product.CONFLUENCE}),
        customer_org=text,
        requester_name=text,
        requester_email=text,
        requester_is_org_admin=True,
        notes=text,
    )
