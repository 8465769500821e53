"""Versioned JSON request files (``.byok.json``) to send requests by mail.

The schema is documented in docs/request-file.md. Reading is strict: a file with any
problem is rejected whole, and every problem is reported with where and why, so nothing
is half-imported and no typo silently drops a field.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from byok_desktop import __version__
from byok_desktop.locations import Location
from byok_desktop.products import Product, sorted_products
from byok_desktop.request import RequestDraft
from byok_desktop.request_fields import FIELDS, Field, InputKind
from byok_desktop.validation import parse_users

FORMAT_ID = "byok-desktop/request-file"
FORMAT_VERSION = 1
FILE_SUFFIX = ".byok.json"
MAX_FILE_BYTES = 5 * 1024 * 1024  # thousands of requests; larger is not a request file
MAX_REQUESTS = 10_000
MAX_TEXT = 1_000_000  # anything the editor can hold round-trips; the file size caps it
UID_MIN, UID_MAX = 8, 36  # the database keeps 36 characters (a UUID's text)

# The request's keys come from the field declarations; "group.key" is a key in an object.
_FILE_KEYS = {spec.field: tuple(spec.file_key.split(".")) for spec in FIELDS}
_GROUPS = {path[0] for path in _FILE_KEYS.values() if len(path) == 2}
_REQUEST_KEYS = {"uid", "status", *(path[0] for path in _FILE_KEYS.values())}
_REQUIRED_KEYS = {"uid"} | {_FILE_KEYS[spec.field][0] for spec in FIELDS if spec.file_required}
_GROUP_KEYS = {
    group: {path[1] for path in _FILE_KEYS.values() if path[0] == group and len(path) == 2}
    for group in _GROUPS
}
# Fields whose file form differs from the draft's: converted by hand below.
_CONVERTED = frozenset({Field.DESIRED_USERS, Field.LOCATION, Field.PRODUCTS})
# The rest are written as typed (text, yes/no).
_PLAIN = [spec for spec in FIELDS if spec.field not in _CONVERTED]
_PLAIN_TOP = [spec for spec in _PLAIN if len(_FILE_KEYS[spec.field]) == 1]


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
    converted: dict[Field, Any] = {
        Field.DESIRED_USERS: users,
        Field.LOCATION: draft.location.value if draft.location else None,
        Field.PRODUCTS: [p.value for p in sorted_products(draft.products)],
    }
    entry: dict[str, Any] = {"uid": draft.uid}
    for spec in FIELDS:
        value = converted[spec.field] if spec.field in converted else getattr(draft, spec.name)
        *group, key = _FILE_KEYS[spec.field]
        (entry.setdefault(group[0], {}) if group else entry)[key] = value
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


# Exact codes first: they are what this app writes, so most values skip the lenient parse.
_LOCATION_CODES = {location.value: location for location in Location}
_PRODUCT_CODES = {product.value: product for product in Product}
# One frozenset per combination of products, shared by the drafts read (at most eight):
# thousands of copies would only give the garbage collector more to scan.
_PRODUCT_SETS: dict[frozenset[Product], frozenset[Product]] = {}


class _Reader:
    """Checks one file's requests and collects every problem. Where a problem is, is
    only spelled out when there is one: most files have none."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FileProblem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(FileProblem(self.file, where, message))

    def text(self, value: Any, where: str, key: str, *, required: bool = True) -> str:
        """``value`` as text, or "" with a problem at ``where.key``."""
        if value is None and not required:
            return ""
        problem = _text_problem(value)
        if problem:
            self.problem(f"{where}.{key}", problem)
            return ""
        return str(value)

    def request(self, raw: Any, where: str) -> RequestDraft | None:
        if not isinstance(raw, dict):
            self.problem(where, f"must be an object with the request's fields, not {_kind(raw)}.")
            return None
        before = len(self.problems)
        keys = raw.keys()
        if not keys <= _REQUEST_KEYS:
            for key in sorted(set(raw) - _REQUEST_KEYS, key=str):
                self.problem(
                    f"{where}.{excerpt(key)}", "is not a request field (check the spelling)."
                )
        if not keys >= _REQUIRED_KEYS:
            for key in sorted(_REQUIRED_KEYS - set(raw)):
                self.problem(f"{where}.{key}", "is missing.")

        uid = self.text(raw.get("uid", ""), where, "uid")
        if isinstance(raw.get("uid"), str) and not _text_problem(raw["uid"]):
            problem = uid_problem(uid)
            if problem:
                self.problem(f"{where}.uid", problem)
        users = self.users(raw.get("desired_users"), where)
        location = self.location(raw.get("location"), where)
        products = self.products(raw.get("products", []), where)
        values: dict[str, Any] = {}
        for group in sorted(_GROUPS):
            values.update(self.group(group, raw.get(group, {}), where))
        status = raw.get("status")
        if status is not None and not isinstance(status, str):
            self.problem(f"{where}.status", f"must be text, not {_kind(status)}.")
        for spec in _PLAIN_TOP:
            key = spec.file_key
            text = self.text(raw.get(key, ""), where, key, required=spec.file_required)
            values[spec.name] = text

        draft = RequestDraft(
            uid=uid, desired_users=users, location=location, products=products, **values
        )
        return draft if len(self.problems) == before else None

    def users(self, value: Any, where: str) -> str:
        if type(value) is int:  # not bool, JSON's only other int
            if -(10**15) < value < 10**15:
                return str(value)
            self.problem(f"{where}.desired_users", "is far too large.")
        elif isinstance(value, _WrittenNumber) and math.isinf(value):  # 1e400
            self.problem(f"{where}.desired_users", "is far too large.")
        elif isinstance(value, _WrittenNumber) and value.is_integer() and abs(value) < 10**15:
            self.problem(
                f"{where}.desired_users",
                f"{excerpt(value.text)} is written as a decimal number; write {int(value)}.",
            )
        elif isinstance(value, float):
            written = value.text if isinstance(value, _WrittenNumber) else repr(value)
            self.problem(
                f"{where}.desired_users", f"must be a whole number, not {excerpt(written)}."
            )
        elif isinstance(value, _HugeNumber):
            self.problem(f"{where}.desired_users", "is far too large.")
        elif isinstance(value, str) or value is None:
            return self.text(value, where, "desired_users", required=False)
        else:
            self.problem(f"{where}.desired_users", f"must be a number, not {_kind(value)}.")
        return ""

    def location(self, value: Any, where: str) -> Location | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(f"{where}.location", f"must be text, not {_kind(value)}.")
            return None
        try:
            return _LOCATION_CODES.get(value) or Location.parse(value)
        except ValueError:
            self.problem(
                f"{where}.location", f"{value[:40]!r} is not a location; use 'eu' or 'usa'."
            )
            return None

    def products(self, value: Any, where: str) -> frozenset[Product]:
        if not isinstance(value, list):
            self.problem(f"{where}.products", f"must be a list, not {_kind(value)}.")
            return frozenset()
        products: set[Product] = set()
        for index, item in enumerate(value[:10]):
            try:
                if isinstance(item, str):
                    products.add(_PRODUCT_CODES.get(item) or Product.parse(item))
                else:
                    products.add(Product(item))
            except ValueError:
                self.problem(
                    f"{where}.products[{index}]",
                    f"{str(item)[:40]!r} is not a product; use jira-software, confluence "
                    "or jira-service-management.",
                )
        if len(value) > 10:
            self.problem(f"{where}.products", "lists more than the three products.")
        found = frozenset(products)
        return _PRODUCT_SETS.setdefault(found, found)

    def group(self, group: str, value: Any, where: str) -> dict[str, Any]:
        """The fields kept in the object ``group`` (the requester's), by attribute."""
        specs = [spec for spec in _PLAIN if _FILE_KEYS[spec.field][0] == group]
        if not isinstance(value, dict):
            self.problem(f"{where}.{group}", f"must be an object, not {_kind(value)}.")
            return {spec.name: False if spec.kind is InputKind.CHECK else "" for spec in specs}
        known = _GROUP_KEYS[group]
        if not value.keys() <= known:
            for key in sorted(set(value) - known, key=str):
                self.problem(f"{where}.{group}.{excerpt(key)}", f"is not a {group} field.")
        values: dict[str, Any] = {}
        for spec in specs:
            key = _FILE_KEYS[spec.field][1]
            if spec.kind is InputKind.CHECK:
                flag = value.get(key, False)
                if not isinstance(flag, bool):
                    self.problem(
                        f"{where}.{spec.file_key}", f"must be true or false, not {_kind(flag)}."
                    )
                    flag = False
                values[spec.name] = flag
            else:
                values[spec.name] = self.text(
                    value.get(key, ""), where, spec.file_key, required=spec.file_required
                )
        return values


def _text_problem(value: Any) -> str:
    """What is wrong with ``value`` as a text field; "" when nothing is."""
    if not isinstance(value, str):
        return f"must be text, not {_kind(value)}."
    if len(value) > MAX_TEXT:
        return f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}."
    if "\x00" in value:
        return "contains a NUL character (\\u0000); remove it."
    if not value.isascii():  # ASCII always encodes
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains an unpaired surrogate (a broken \\ud800-style escape)."
    return ""


class _HugeNumber:
    """A JSON integer too long to be a real value (Python refuses over 4,300 digits):
    kept as a marker so the problem is reported at its field, not as a broken file."""

    def __init__(self, digits: str) -> None:
        self.digits = len(digits)

    def __repr__(self) -> str:
        return f"a {self.digits:,}-digit number"


class _WrittenNumber(float):
    """A JSON number with a fraction or an exponent, remembering how the file wrote it
    (``1e9``), so a message can quote the file rather than Python's 1000000000.0."""

    text: str

    def __new__(cls, text: str) -> _WrittenNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number


def uid_problem(uid: str) -> str:
    """What is wrong with a request's uid; "" when nothing is (docs/request-file.md)."""
    if not UID_MIN <= len(uid) <= UID_MAX:
        return (
            f"is {len(uid)} characters long; a uid has {UID_MIN} to {UID_MAX} characters "
            "(the app writes 36)."
        )
    if not (uid.isascii() and uid.isprintable()):
        return "may hold only printable ASCII characters (letters, digits, hyphens…)."
    return ""


def _parse_int(text: str) -> int | _HugeNumber:
    return int(text) if len(text) <= 30 else _HugeNumber(text)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: JSON parsers disagree on which of two
    equal keys wins, so a file saying one thing twice is refused."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return document


# One decoder for every file, as json.loads shares its default one (building it per
# call costs as much as decoding a small file).
_DECODER = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_WrittenNumber, object_pairs_hook=_no_duplicates
)


def _loads(text: str) -> Any:
    """json.loads(text, parse_int=_parse_int), with its check for a second BOM."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def _kind(value: Any) -> str:
    if isinstance(value, _HugeNumber):
        return f"a number of {value.digits:,} digits"
    return {
        type(None): "null",
        bool: "true/false",
        int: "a number",
        float: "a number",
        _WrittenNumber: "a number",
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


def _json_problem(exc: json.JSONDecodeError, data: bytes) -> str:
    if not exc.doc.strip():
        return "the file is empty."
    # The end reached where more was due, or a string with no closing quote before it.
    if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string"):
        return "the file ends early; it may have been cut off."
    return f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."


def _duplicate_problem(key: str, data: bytes) -> str:
    """Name the repeated key and the line of its second appearance."""
    text = data.decode("utf-8-sig", "replace")
    needle = json.dumps(key, ensure_ascii=False)
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    line = f" (line {text.count(chr(10), 0, second) + 1})" if second >= 0 else ""
    return f"the key {excerpt(needle)} appears twice in one object{line}; keep one."


def parse(data: bytes, file: str) -> list[RequestDraft]:
    """All requests of one file, or RequestFileError listing every problem found."""
    reader = _Reader(file)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(file, len(data))
    try:
        document = _loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        reader.problem("", "is not a text file (not UTF-8). Is this the right file?")
        raise RequestFileError(reader.problems) from None
    except json.JSONDecodeError as exc:
        reader.problem("", _json_problem(exc, data))
        raise RequestFileError(reader.problems) from None
    except _DuplicateKey as exc:
        reader.problem("", f"{_duplicate_problem(exc.key, data)}")
        raise RequestFileError(reader.problems) from None
    except RecursionError:
        reader.problem("", "is nested too deeply to be a request file.")
        raise RequestFileError(reader.problems) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        reader.problem("", f"is not a usable request file: {excerpt(str(exc))}.")
        raise RequestFileError(reader.problems) from None

    if isinstance(document, list):
        reader.problem(
            "",
            "this file is a list; a request file is an object with format, version and requests.",
        )
        raise RequestFileError(reader.problems)
    if not isinstance(document, dict) or document.get("format") != FORMAT_ID:
        reader.problem(
            "format", f'is not a BYOK Desktop request file (expected "format": "{FORMAT_ID}").'
        )
        raise RequestFileError(reader.problems)
    version = document.get("version")
    if isinstance(version, str):
        reader.problem("", f"version must be the number {FORMAT_VERSION}, not text.")
        raise RequestFileError(reader.problems)
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


def _read_limited(stream: BinaryIO, size: int) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes. ``size`` (what stat reported) is only a hint: a
    pipe reports 0 and a file may grow, so reading goes on when the hint was short.
    Asking for the whole limit at once would allocate 5 MB for every small file."""
    hint = size + 1
    data = stream.read(hint)
    if len(data) == hint:
        data += stream.read(MAX_FILE_BYTES + 1 - hint)
    return data


def read_file(path: Path) -> list[RequestDraft]:
    name = str(path)
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise _too_large(name, size)  # before reading 50 MB into memory
            data = _read_limited(stream, size)
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
