"""Versioned JSON request files (``.byok.json``) to send requests by mail.

The schema is documented in docs/request-file.md. Reading is strict: a file with any
problem is rejected whole, and every problem is reported with where and why, so nothing
is half-imported and no typo silently drops a field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from byok_desktop import __version__
from byok_desktop.locations import Location
from byok_desktop.products import Product, sorted_products
from byok_desktop.request import RequestDraft
from byok_desktop.validation import parse_users

FORMAT_ID = "byok-desktop/request-file"
FORMAT_VERSION = 1
FILE_SUFFIX = ".byok.json"
MAX_FILE_BYTES = 5 * 1024 * 1024  # thousands of requests; larger is not a request file
MAX_REQUESTS = 10_000
MAX_TEXT = 1_000_000  # anything the editor can hold round-trips; the file size caps it

_REQUEST_KEYS = {
    "uid",
    "aws_account_id",
    "site_name",
    "desired_users",
    "location",
    "products",
    "customer_org",
    "requester",
    "notes",
    "status",
}
_REQUIRED_KEYS = _REQUEST_KEYS - {"notes", "status"}
_REQUESTER_KEYS = {"name", "email", "is_org_admin"}


@dataclass(frozen=True, slots=True)
class FileProblem:
    file: str
    where: str  # e.g. "requests[2].aws_account_id"; "" for the whole file
    message: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{where} {self.message}"


class RequestFileError(ValueError):
    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- writing ---------------------------------------------------------------------


def draft_to_json(draft: RequestDraft, status: str | None = None) -> dict[str, Any]:
    # A number only when the text is exactly its canonical form, so text round-trips.
    number = parse_users(draft.desired_users)
    users: int | str = (
        number if number is not None and str(number) == draft.desired_users else draft.desired_users
    )
    entry: dict[str, Any] = {
        "uid": draft.uid,
        "aws_account_id": draft.aws_account_id,
        "site_name": draft.site_name,
        "desired_users": users,
        "location": draft.location.value if draft.location else None,
        "products": [p.value for p in sorted_products(draft.products)],
        "customer_org": draft.customer_org,
        "requester": {
            "name": draft.requester_name,
            "email": draft.requester_email,
            "is_org_admin": draft.requester_is_org_admin,
        },
        "notes": draft.notes,
    }
    if status is not None:
        entry["status"] = status
    return entry


def dumps(drafts: Sequence[tuple[RequestDraft, str | None]]) -> str:
    document = {
        "format": FORMAT_ID,
        "version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "exported_by": f"BYOK Desktop {__version__}",
        "requests": [draft_to_json(d, s) for d, s in drafts],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_file(path: Path, drafts: Sequence[tuple[RequestDraft, str | None]]) -> None:
    """Write through a temporary file and rename, so a failure never leaves half a file."""
    text = dumps(drafts)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


# --- reading -----------------------------------------------------------------------


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FileProblem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(FileProblem(self.file, where, message))

    def text(self, value: Any, where: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.problem(where, f"must be text, not {_kind(value)}.")
            return ""
        if len(value) > MAX_TEXT:
            self.problem(where, f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}.")
            return ""
        if "\x00" in value:
            self.problem(where, "contains a NUL character (\\u0000); remove it.")
            return ""
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.problem(where, "contains an unpaired surrogate (a broken \\ud800-style escape).")
            return ""
        return value

    def request(self, raw: Any, where: str) -> RequestDraft | None:
        if not isinstance(raw, dict):
            self.problem(where, f"must be an object with the request's fields, not {_kind(raw)}.")
            return None
        before = len(self.problems)
        for key in sorted(set(raw) - _REQUEST_KEYS, key=str):
            self.problem(f"{where}.{excerpt(key)}", "is not a request field (check the spelling).")
        for key in sorted(_REQUIRED_KEYS - set(raw)):
            self.problem(f"{where}.{key}", "is missing.")

        uid = self.text(raw.get("uid", ""), f"{where}.uid")
        if "uid" in raw and not (8 <= len(uid) <= 36 and uid.isascii() and uid.isprintable()):
            self.problem(f"{where}.uid", "must be the request's identifier as exported.")
        users_raw = raw.get("desired_users")
        if isinstance(users_raw, float):
            self.problem(f"{where}.desired_users", f"must be a whole number, not {users_raw!r}.")
            users = ""
        elif isinstance(users_raw, _HugeNumber):
            self.problem(f"{where}.desired_users", "is far too large.")
            users = ""
        elif isinstance(users_raw, bool) or not isinstance(users_raw, int | str | None):
            self.problem(f"{where}.desired_users", f"must be a number, not {_kind(users_raw)}.")
            users = ""
        elif isinstance(users_raw, int):
            users = str(users_raw) if abs(users_raw) < 10**15 else ""
            if not users:
                self.problem(f"{where}.desired_users", "is far too large.")
        else:
            users = self.text(users_raw, f"{where}.desired_users", required=False)

        location = None
        loc_raw = raw.get("location")
        if loc_raw is not None:
            if not isinstance(loc_raw, str):
                self.problem(f"{where}.location", f"must be text, not {_kind(loc_raw)}.")
            else:
                try:
                    location = Location.parse(loc_raw)
                except ValueError:
                    self.problem(
                        f"{where}.location",
                        f"{loc_raw[:40]!r} is not a location; use 'eu' or 'usa'.",
                    )

        products: set[Product] = set()
        prod_raw = raw.get("products", [])
        if not isinstance(prod_raw, list):
            self.problem(f"{where}.products", f"must be a list, not {_kind(prod_raw)}.")
        else:
            for index, item in enumerate(prod_raw[:10]):
                try:
                    products.add(Product.parse(item) if isinstance(item, str) else Product(item))
                except ValueError:
                    self.problem(
                        f"{where}.products[{index}]",
                        f"{str(item)[:40]!r} is not a product; use jira-software, confluence "
                        "or jira-service-management.",
                    )
            if len(prod_raw) > 10:
                self.problem(f"{where}.products", "lists more than the three products.")

        requester = raw.get("requester", {})
        name = email = ""
        is_admin = False
        if not isinstance(requester, dict):
            self.problem(f"{where}.requester", f"must be an object, not {_kind(requester)}.")
        else:
            for key in sorted(set(requester) - _REQUESTER_KEYS, key=str):
                self.problem(f"{where}.requester.{excerpt(key)}", "is not a requester field.")
            name = self.text(requester.get("name", ""), f"{where}.requester.name")
            email = self.text(requester.get("email", ""), f"{where}.requester.email")
            admin_raw = requester.get("is_org_admin", False)
            if not isinstance(admin_raw, bool):
                self.problem(
                    f"{where}.requester.is_org_admin",
                    f"must be true or false, not {_kind(admin_raw)}.",
                )
            else:
                is_admin = admin_raw

        status = raw.get("status")
        if status is not None and not isinstance(status, str):
            self.problem(f"{where}.status", f"must be text, not {_kind(status)}.")

        draft = RequestDraft(
            uid=uid,
            aws_account_id=self.text(raw.get("aws_account_id", ""), f"{where}.aws_account_id"),
            site_name=self.text(raw.get("site_name", ""), f"{where}.site_name"),
            desired_users=users,
            location=location,
            products=frozenset(products),
            customer_org=self.text(raw.get("customer_org", ""), f"{where}.customer_org"),
            requester_name=name,
            requester_email=email,
            requester_is_org_admin=is_admin,
            notes=self.text(raw.get("notes", ""), f"{where}.notes", required=False),
        )
        return draft if len(self.problems) == before else None


class _HugeNumber:
    """A JSON integer too long to be a real value (Python refuses over 4,300 digits):
    kept as a marker so the problem is reported at its field, not as a broken file."""

    def __init__(self, digits: str) -> None:
        self.digits = len(digits)

    def __repr__(self) -> str:
        return f"a {self.digits:,}-digit number"


def _parse_int(text: str) -> int | _HugeNumber:
    return int(text) if len(text) <= 30 else _HugeNumber(text)


def _kind(value: Any) -> str:
    if isinstance(value, _HugeNumber):
        return f"a number of {value.digits:,} digits"
    return {
        type(None): "null",
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _too_large(file: str, size: int) -> RequestFileError:
    return RequestFileError(
        [
            FileProblem(
                file,
                "",
                f"is {size / 1_048_576:.1f} MB; request files are at most "
                f"{MAX_FILE_BYTES // 1_048_576} MB. Is this the right file?",
            )
        ]
    )


def excerpt(value: Any, limit: int = 60, quote: bool = False) -> str:
    """A value as a message may quote it: short, printable, never a broken surrogate."""
    text = repr(value) if quote or not isinstance(value, str) else value
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse(data: bytes, file: str) -> list[RequestDraft]:
    """All requests of one file, or RequestFileError listing every problem found."""
    reader = _Reader(file)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(file, len(data))
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_int=_parse_int)
    except UnicodeDecodeError:
        reader.problem("", "is not a text file (not UTF-8). Is this the right file?")
        raise RequestFileError(reader.problems) from None
    except json.JSONDecodeError as exc:
        reader.problem(
            "", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        )
        raise RequestFileError(reader.problems) from None
    except RecursionError:
        reader.problem("", "is nested too deeply to be a request file.")
        raise RequestFileError(reader.problems) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        reader.problem("", f"is not a usable request file: {excerpt(str(exc))}.")
        raise RequestFileError(reader.problems) from None

    if not isinstance(document, dict) or document.get("format") != FORMAT_ID:
        reader.problem(
            "format", f'is not a BYOK Desktop request file (expected "format": "{FORMAT_ID}").'
        )
        raise RequestFileError(reader.problems)
    version = document.get("version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        newer = (
            isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        )
        reader.problem(
            "version",
            f"is {excerpt(version, quote=True)}; this app reads version {FORMAT_VERSION}"
            + (" (the file comes from a newer BYOK Desktop: update the app)." if newer else "."),
        )
        raise RequestFileError(reader.problems)
    entries = document.get("requests")
    if not isinstance(entries, list):
        reader.problem("requests", f"must be a list of requests, not {_kind(entries)}.")
        raise RequestFileError(reader.problems)
    if len(entries) > MAX_REQUESTS:
        reader.problem("requests", f"has {len(entries):,} requests; the limit is {MAX_REQUESTS:,}.")
        raise RequestFileError(reader.problems)
    drafts = [reader.request(raw, f"requests[{i}]") for i, raw in enumerate(entries)]
    seen: dict[str, int] = {}
    for index, draft in enumerate(drafts):
        if draft is None:
            continue
        if draft.uid in seen:
            reader.problem(
                f"requests[{index}].uid", f"repeats the uid of requests[{seen[draft.uid]}]."
            )
        seen.setdefault(draft.uid, index)
    if reader.problems:
        raise RequestFileError(reader.problems)
    return [d for d in drafts if d is not None]


def read_file(path: Path) -> list[RequestDraft]:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(name, size)  # before reading 50 MB into memory
        with path.open("rb") as stream:  # a pipe reports size 0: never read past the limit
            data = stream.read(MAX_FILE_BYTES + 1)
    except RequestFileError:
        raise
    except ValueError:  # a NUL in the path
        raise RequestFileError(
            [FileProblem(excerpt(name), "", "is not a valid file name.")]
        ) from None
    except FileNotFoundError:
        raise RequestFileError([FileProblem(name, "", "does not exist.")]) from None
    except IsADirectoryError:
        raise RequestFileError([FileProblem(name, "", "is a folder, not a file.")]) from None
    except PermissionError:
        raise RequestFileError(
            [FileProblem(name, "", "cannot be read: permission denied.")]
        ) from None
    except OSError as exc:
        raise RequestFileError(
            [FileProblem(name, "", f"cannot be read: {exc.strerror}.")]
        ) from None
    return parse(data, name)
