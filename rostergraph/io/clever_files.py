"""The files of a Clever JSON folder: which file holds which kind (names in any case,
API pages saved a page per file, per-role user lists), which files are left unread, and
files a Windows tool saved as UTF-16, HTML pages saved in place of a list, list pages'
links and responses appended to one file.

Examples
--------
>>> resource_kind("users_page2.json"), page_number("users_page2.json")
(('users', '.json'), 2)
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from pathlib import Path
from typing import Any

import orjson

from ..model import KINDS
from ..roster import Problem, RosterBuilder, raw_text
from .limits import check_inside

__all__ = [
    "CLEVER_SUFFIXES",
    "LEGACY_USER_FILES",
    "UTF16_MARKS",
    "NextLink",
    "clever_json_files",
    "concatenated_message",
    "concatenated_values",
    "cut_list_message",
    "error_response",
    "file_head",
    "files_by_kind",
    "from_utf16",
    "html_excerpt",
    "html_message",
    "html_told",
    "ignored_files",
    "last_line_next_link",
    "legacy_section_head",
    "legacy_sections_message",
    "line_next_link",
    "next_link",
    "page_files",
    "page_number",
    "pages_note",
    "resource_kind",
    "role_files",
    "role_list",
    "saved_name",
    "tell_cut_short",
    "unread_note",
    "unsuffixed_files",
    "unsuffixed_told",
    "utf16_file",
]

CLEVER_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_ALIASES = {"district": "districts"}  # the single-record endpoint's name
#: legacy (v1.1/v2.x) list name → v3 role; in a v3 folder such a list is a per-role user
#: list (``/v3.0/users?role=student`` saved as ``students.jsonl``)
LEGACY_USER_FILES = {"students": "student", "teachers": "teacher", "contacts": "contact",
                     "staff": "staff", "school_admins": "staff", "schooladmins": "staff",
                     "district_admins": "district_admin", "districtadmins": "district_admin"}


def clever_json_files(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """The resource files of a Clever JSON dump, by kind (absent kinds omitted).

    Examples
    --------
    >>> import rostergraph
    >>> sorted(clever_json_files(rostergraph.sample_path()))
    ['courses', 'districts', 'schools', 'sections', 'terms', 'users']
    """
    return {kind: paths[0] for kind, paths in files_by_kind(Path(folder)).items()}


def resource_kind(name: str) -> tuple[str, str] | None:
    """The record kind a resource file's name gives and its suffix (in lower case), or
    ``None``. Names match ignoring case (``Users.JSONL``, as Windows tools write them).
    A page of a list saved a page per file (``users_page2.json``, ``users-2.jsonl``,
    ``users2.json``) names its kind too (:func:`page_number` gives its number).

    Examples
    --------
    >>> resource_kind("Users.JSONL"), resource_kind("district.json.gz"), resource_kind("a.json")
    (('users', '.jsonl'), ('districts', '.json.gz'), None)
    >>> resource_kind("users_page2.json"), page_number("users_page2.json")
    (('users', '.json'), 2)
    """
    low = name.lower()
    for suffix in CLEVER_SUFFIXES:
        if low.endswith(suffix):
            stem = low[: -len(suffix)]
            page = _PAGE.fullmatch(stem)
            if page is not None and stem not in KINDS:
                stem = page.group(1)
            kind = _ALIASES.get(stem, stem)
            return (kind, suffix) if kind in KINDS else None
    return None


#: a page's file name before its suffix: the kind, a separator, ``page`` and the number
_PAGE = re.compile(r"(.+?)[_\-. ]?(?:page[_\-. ]?)?(\d{1,4})", re.ASCII)  # (a date: no page)


def page_number(name: str) -> int | None:
    """The page number of a resource file saved a page per file (``users_page2.json``:
    2), or ``None`` for a whole resource file (``users.json``)."""
    low = name.lower()
    for suffix in CLEVER_SUFFIXES:
        if low.endswith(suffix):
            page = _PAGE.fullmatch(low[: -len(suffix)])
            if page is None or resource_kind(name) is None:
                return None
            return int(page.group(2))
    return None


def files_by_kind(folder: Path) -> dict[str, list[Path]]:
    """Every resource file of the folder, by kind: whole files in name order (the first is
    read), then pages by number (each is read). Names match ignoring case; a name in lower
    case comes first."""
    def order(n: str) -> tuple[bool, int, bool, str]:
        page = page_number(n)
        return page is not None, page or 0, n != n.lower(), n

    found: dict[str, list[Path]] = {}
    for name in sorted(os.listdir(folder), key=order):
        got = resource_kind(name)
        if got is not None and (folder / name).is_file():
            check_inside(folder, folder / name)
            found.setdefault(got[0], []).append(folder / name)
    return found


def page_files(kind_files: dict[str, list[Path]]) -> dict[str, list[Path]]:
    """The pages read after each kind's first file (API pages saved a page per file), for
    a kind with no whole file: a numbered file beside ``users.json`` may be an older copy
    (``users_2.json``), whose users must not come back (:func:`ignored_files` names it)."""
    got = {k: [f for f in v[1:] if page_number(f.name) is not None]
           for k, v in kind_files.items() if page_number(v[0].name) is not None}
    return {k: v for k, v in got.items() if v}


#: files a dump folder (``rostergraph fetch``) holds beside its resources
_DUMP_FILES = ("manifest.json", "events.audit.jsonl")


def unread_note(folder: Path) -> str | None:
    """The note naming the JSON files of a v3 folder that are not read (an events page, a
    backup): no resource name, no per-role list, no file of a dump's own."""
    unread = sorted(n for n in os.listdir(folder)
                    if n.lower().endswith(CLEVER_SUFFIXES) and resource_kind(n) is None
                    and not role_list(n) and n.lower() not in _DUMP_FILES)
    if not unread:
        return None
    return (f"not read ({len(unread)} JSON files without a Clever resource name: "
            f"{', '.join(unread[:10])}{', ...' if len(unread) > 10 else ''}; events are "
            "applied by rostergraph.apply_events or sync)")


def saved_name(name: str) -> tuple[str, bool]:
    """The resource or list a saved file is named as (in lower case, up to its first dot
    or query) and whether its name has a suffix (a dot before any query).

    Examples
    --------
    >>> saved_name("Users.json.1"), saved_name("students?limit=100"), saved_name("users")
    (('users', True), ('students', False), ('users', False))
    """
    head = name.lower().split("?", 1)[0]
    return head.split(".", 1)[0], "." in head


def unsuffixed_files(folder: Path) -> list[tuple[str, str]]:
    """``(name, kind)`` of each file of the folder named as a Clever resource (or a per-role
    user list) but without a suffix the reader takes: an API response as ``curl -O`` and
    ``wget`` save it (``users``, ``users?limit=10000``, wget's second copy
    ``users.json.1``), a copy (``users.json.bak``, ``users.txt``), or an unfinished
    ``rostergraph fetch``'s ``users.jsonl.part``. None is read.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for n in ("users", "schools.json", "Sections.json.1", "students.txt", "notes.txt"):
    ...     _ = (d / n).write_text("[]")
    >>> unsuffixed_files(d)
    [('Sections.json.1', 'sections'), ('students.txt', 'users'), ('users', 'users')]
    """
    found = []
    for name in sorted(os.listdir(folder)):
        low = name.lower()
        if low.endswith(CLEVER_SUFFIXES) or low in _DUMP_FILES:
            continue
        stem = saved_name(name)[0]
        kind = "users" if stem in LEGACY_USER_FILES else _ALIASES.get(stem, stem)
        if kind in KINDS and (folder / name).is_file():
            found.append((name, kind))
    return found


def unsuffixed_told(folder: Path, read: set[str], notes: list[str]) -> list[Problem]:
    """What :func:`unsuffixed_files` finds, told: an ``other`` problem for each file with no
    suffix at all (``users``, ``users?limit=10000``: an API response as saved) or an
    unfinished fetch's ``.jsonl.part`` whose kind no file ``read`` holds (the roster has
    none of it, which must not pass for a district without them); a note (added to
    ``notes``) naming the others, copies and backups (``users.json.1``, ``users.txt``), as
    the JSON files without a resource name are noted."""
    found, told = unsuffixed_files(folder), []
    for n, k in found:
        if k not in read and (not saved_name(n)[1] or n.lower().endswith(".jsonl.part")):
            told.append((n, k))
    if beside := [n for n, k in found if (n, k) not in told]:
        notes.append(f"not read ({len(beside)} files named as a Clever resource, without a "
                     f"JSON suffix: {', '.join(beside[:10])}"
                     f"{', ...' if len(beside) > 10 else ''})")
    return [Problem(code="other", file=n, kind=k, message=(
        f"{n} is the file of an unfinished rostergraph fetch (a resource is written there "
        f"until it is complete): not read, and no other file holds {k}, so the roster has "
        "none; finish the fetch with rostergraph fetch --out <this folder> --resume"
        if n.lower().endswith(".jsonl.part") else
        f"{n} is named as Clever's {k} but has no suffix (.json, .jsonl or .ndjson, "
        f"optionally .gz; curl -O and wget save an API response without one): not read, and "
        f"no other file holds {k}, so the roster has none; save it as {k}.json (or .jsonl) "
        "to read it"))
        for n, k in told]


def error_response(doc: dict[str, Any]) -> str | None:
    """The envelope problem of a document that is an API error response (``{"error":
    "invalid_token"}``, ``{"message": "Rate limit exceeded", "code": 429}``: a failed
    request's body saved as the list), naming its keys (not its text, which a proxy may
    fill with a request's headers: the problem's ``raw`` keeps it), or ``None`` for any
    other document.

    Examples
    --------
    >>> print(error_response({"error": "invalid_token"}))
    an API error response (keys: error; the text is in raw), no records: the request failed when it was saved
    >>> error_response({"records": []}) is None
    True
    """
    keys = {"error", "message", "errors", "error_description", "code", "status", "type"}
    if not doc or set(doc) - keys or not set(doc) & (keys - {"code", "status", "type"}):
        return None
    return (f"an API error response (keys: {', '.join(sorted(doc))}; the text is in raw), "
            "no records: the request failed when it was saved")


def pages_note(kind: str, paths: list[Path]) -> str:
    """The provenance note naming the files a kind saved a page per file was read from
    (the first ten, and the last).

    Examples
    --------
    >>> pages_note("users", [Path("users_page1.json"), Path("users_page2.json")])
    'users read from 2 files, a page each: users_page1.json, users_page2.json'
    """
    names = [f.name for f in paths]
    return (f"{kind} read from {len(names)} files, a page each: {', '.join(names[:10])}"
            + (f", ..., {names[-1]}" if len(names) > 10 else ""))


def ignored_files(b_problem: Any, folder: Path) -> None:
    """One ``other`` problem per resource file left unread because another file of the
    same kind is read (``users.json`` beside ``users.jsonl``, or a numbered file beside
    them): never a silent choice. Pages (``users_page2.json``) with no whole file beside
    them are all read."""
    for kind, paths in files_by_kind(folder).items():
        for extra in paths[1:]:
            if page_number(paths[0].name) is not None and page_number(extra.name) is not None:
                continue
            b_problem("other", f"{paths[0].name} and {extra.name} both hold {kind}; read "
                      f"{paths[0].name}, ignored {extra.name} (keep one of them)",
                      file=extra.name, kind=kind)


def role_list(name: str) -> bool:
    """Whether ``name`` is a per-role user list (``students.jsonl``, ``teachers.json``)."""
    stem = name.split(".", 1)[0].lower()
    return stem in LEGACY_USER_FILES and name[len(stem):].lower() in CLEVER_SUFFIXES


def role_files(folder: Path) -> list[Path]:
    """The per-role user lists of a v3 folder (``/v3.0/users?role=student`` saved as
    ``students.jsonl``), in name order: read as users after ``users.*``."""
    found = []
    for name in sorted(os.listdir(folder)):
        if role_list(name) and (folder / name).is_file():
            check_inside(folder, folder / name)
            found.append(folder / name)
    return found


#: UTF-16 byte-order marks (little-, big-endian)
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def from_utf16(b: Any, data: bytes, name: str, kind: str | None) -> bytes:
    """``data`` as UTF-8 when it starts with a UTF-16 byte-order mark, with an ``other``
    problem on line 1 (JSON must be UTF-8, but Windows PowerShell 5.1's ``>`` and
    ``Out-File`` write UTF-16: a saved API response); other data as it is."""
    if data[:2] not in UTF16_MARKS:
        return data
    try:
        text, said = data.decode("utf-16"), ""
    except UnicodeDecodeError:  # (an odd byte at the end, a lone surrogate)
        text, said = data.decode("utf-16", "replace"), "; bytes that are no UTF-16 replaced by U+FFFD"
    b.problem("other", "the file is UTF-16 (it starts with a UTF-16 byte order mark, as "
              "Windows PowerShell writes files): read as UTF-16, but JSON must be UTF-8"
              + said, file=name, line=1, kind=kind)
    return text.encode("utf-8", "surrogatepass")


def utf16_file(path: Path) -> bool:
    """Whether the file (gunzipped) starts with a UTF-16 byte-order mark."""
    return file_head(path)[:2] in UTF16_MARKS


def file_head(path: Path) -> bytes:
    """The first 4 KiB of the file, gunzipped; ``b""`` when it cannot be read."""
    try:
        with open(path, "rb") as raw:
            fh: Any = (gzip.GzipFile(fileobj=raw) if raw.read(2) == b"\x1f\x8b" else raw)
            raw.seek(0)
            return fh.read1(4096) if isinstance(fh, gzip.GzipFile) else fh.read(4096)
    except (OSError, EOFError, zlib.error):
        return b""


#: a JSON token of a file's head: a string, a bracket, a colon (commas and scalars between)
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


def legacy_section_head(head: bytes) -> bool:
    """Whether the first bytes of a sections file (JSON Lines or a JSON document, maybe cut
    short) hold a key only a v1.1/v2 section has: its course by name (``course_name``) or
    its term embedded (``term`` holding an object). Only the keys of a record count (an
    object reached from a line's top through arrays and ``data`` envelopes): a v3
    section's ``ext`` or other map may hold such names (a SIS's custom fields).

    Examples
    --------
    >>> legacy_section_head(b'{"data": [{"data": {"id": "s", "term": {"name": "Y1"}}}]}')
    True
    >>> legacy_section_head(b'{"id": "s", "ext": {"course_name": "Art", "term": {}}}')
    False
    """
    # (a stack of the containers open at the token: for each, whether it and those around
    # it are a record's place; commas and scalars are skipped, so a string followed by a
    # colon is a key)
    places: list[bool] = []
    tokens = _JSON_TOKEN.findall(head)
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else b""
        if tok in (b"{", b"["):
            # (an object or array opened as a member's value was pushed with its key)
            if i == 0 or tokens[i - 1] != b":":
                places.append(not places or places[-1])
        elif tok in (b"}", b"]"):
            if places:
                places.pop()
        elif nxt == b":" and (not places or places[-1]):
            after = tokens[i + 2] if i + 2 < len(tokens) else b""
            if tok == b'"course_name"' or (tok == b'"term"' and after == b"{"):
                return True
            if after in (b"{", b"["):  # (its value: a record's place only under "data")
                places.append(tok == b'"data"')
    return False


def legacy_sections_message(path: Path | None) -> str | None:
    """The problem's message when a v3 folder's sections file holds v1.1/v2 sections (a
    ``course_name`` or an embedded ``term`` object in its first 4 KiB: a legacy list saved
    beside v3 files), else ``None``: read as v3 sections, their terms and courses are not
    built (their cells stay in ``extra``).

    Examples
    --------
    >>> import rostergraph
    >>> legacy_sections_message(rostergraph.sample_path() / "sections.json") is None
    True
    """
    if path is None:
        return None
    head = file_head(path)
    if head[:2] in UTF16_MARKS:
        head = head.decode("utf-16", "replace").encode()
    if not legacy_section_head(head):
        return None
    return (f"{path.name} holds Clever v1.1/v2 sections (course_name, an embedded term) "
            "beside v3 files: read as v3 sections, their terms and courses are not built "
            "(their cells are kept in extra); save v3 sections (/v3.0/sections), or read "
            "a folder of legacy files alone")


def next_link(doc: Any) -> str | None:
    """The ``next`` link of a list response (``{"data": [...], "links": [{"rel": "next",
    "uri": ...}]}``), or of the last of a list of them; ``None`` for anything else.

    Examples
    --------
    >>> next_link({"data": [], "links": [{"rel": "next", "uri": "/v3.0/users?starting_after=a"}]})
    '/v3.0/users?starting_after=a'
    >>> next_link([{"id": "a"}]) is None
    True
    """
    if isinstance(doc, list) and doc and isinstance(doc[-1], dict):
        doc = doc[-1]
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        return None
    links = doc.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(
                link.get("uri"), str):
            return str(link["uri"])
    return None


def line_next_link(line: bytes | None) -> str | None:
    """:func:`next_link` of one JSON Lines line (a list response saved on one line)."""
    if not line or b'"links"' not in line:  # (a record line: nothing to decode)
        return None
    try:
        return next_link(orjson.loads(line))
    except orjson.JSONDecodeError:
        return None


#: a list page's ``next`` link and where it is (``{"line": n}`` or ``{"index": i}``)
NextLink = tuple[str, dict[str, int]]


#: Bytes :func:`last_line_next_link` reads from a file's end at a time.
_TAIL_BLOCK = 1 << 20


def last_line_next_link(path: Path, cap: int) -> NextLink | None:
    """:func:`line_next_link` of the last line of a plain JSON Lines file the reader takes
    (not blank, at most ``cap`` bytes: a longer line is told and skipped), and its line;
    read from the file's end a block at a time.

    Examples
    --------
    >>> import tempfile
    >>> page = b'{"data":[],"links":[{"rel":"next","uri":"/v3.0/users?starting_after=u1"}]}'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "users.jsonl"
    ...     _ = f.write_bytes(page + b"\\n" + b'{"id":"' + b"x" * 90 + b'"}\\n\\n')
    ...     last_line_next_link(f, 90), last_line_next_link(f, 1000)
    (('/v3.0/users?starting_after=u1', {'line': 1}), None)
    """
    with open(path, "rb") as fh:
        pos = fh.seek(0, os.SEEK_END)
        found: tuple[bytes, int] | None = None  # (the line, where it starts)
        head, long = b"", False  # the part read of the line that ends where the rest begins
        while found is None and pos > 0:
            step = min(_TAIL_BLOCK, pos)
            pos -= step
            fh.seek(pos)
            block = fh.read(step)
            j = len(block)
            while True:
                nl = block.rfind(b"\n", 0, j)
                if nl < 0 and pos > 0:  # (the line goes on in the block before)
                    if not long:
                        head = block[:j] + head
                        long = len(head) > cap
                        head = b"" if long else head
                    break
                line = b"" if long else block[nl + 1:j] + head
                if not long and len(line) <= cap and line.strip():
                    found = line, pos + nl + 1
                    break
                head, long, j = b"", False, nl
                if nl < 0:
                    break
    if found is None:
        return None
    uri = line_next_link(found[0])
    if uri is None:
        return None
    with open(path, "rb") as fh:
        lines = 1  # (the lines before it counted a block at a time: a page found is rare)
        while fh.tell() < found[1]:
            lines += fh.read(min(1 << 23, found[1] - fh.tell())).count(b"\n")
    return uri, {"line": lines}


def cut_list_message(kind: str, name: str, uri: str) -> str:
    """The ``missing_file`` problem's message for a list whose last page read links to
    another (one API response saved, or paging stopped early)."""
    return (f"the last page of {kind} read ({name}) links to a next page "
            f"({uri[:200]}) that is not here: the list was saved in part, its other "
            "records were not delivered (save every page, following each rel=next link "
            "until a page has none)")


def tell_cut_short(b: RosterBuilder, cut: tuple[list[Any], int, str], name: str,
                   kind: str | None) -> list[Any]:
    """The whole records of a list :func:`~rostergraph.io.clever_json.cut_short` found (``cut``), with the ``syntax``
    problem at the line where the first record not whole starts (that text in raw).

    Examples
    --------
    >>> b = RosterBuilder(source="m", format="t")
    >>> tell_cut_short(b, ([{"id": "a"}], 2, '{"id": "b'), "users.json", "users")
    [{'id': 'a'}]
    >>> b.problems[0].line, b.problems[0].raw
    (2, '{"id": "b')
    """
    items, line, rest = cut
    b.problem("syntax", f"the document ends before it is complete (a file cut short?): "
              f"the {len(items)} whole records before line {line} are read, the text from "
              "there on is in raw", file=name, line=line, kind=kind, raw=raw_text(rest))
    return items


def concatenated_values(data: bytes) -> list[Any] | None:
    """The JSON values of a text that holds several one after another (``{...}{...}``: API
    responses appended to one file, ``curl ... >> users.json``, which Clever ends without a
    line break), when there are two or more, each an object or array; ``None`` otherwise.

    Examples
    --------
    >>> concatenated_values(b'{"data": [1]}{"data": [2]} ')
    [{'data': [1]}, {'data': [2]}]
    >>> concatenated_values(b'{"data": [1]} x') is None
    True
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()  # (the stdlib: it tells where each value ends)
    values: list[Any] = []
    pos = 0
    while True:
        while text[pos:pos + 1].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict | list):
            return None
        values.append(value)
    return values if len(values) > 1 else None


def concatenated_message(n: int) -> str:
    """The ``other`` problem's message for :func:`concatenated_values`."""
    return (f"{n} JSON documents one after another on one line (API responses appended to "
            "one file without a line break): each is read")


#: how an HTML page starts (after blanks and comments): its doctype or one of its first tags
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|title|meta)\b",
                         re.IGNORECASE | re.DOTALL)
_HTML_TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def html_excerpt(head: bytes) -> str | None:
    """The short excerpt told of a file's first bytes that are an HTML page (a login or
    error page a download saved in place of a list): its title, whitespace collapsed and
    cut at 80 characters, or its first tag's name; ``None`` for anything else. Nothing
    else of the page (a form's token, a signed-in user's address) is kept.

    Examples
    --------
    >>> html_excerpt(b"<!DOCTYPE html>\\n<html><head><title> Sign in\\n| Clever </title>")
    '<title>Sign in | Clever</title>'
    >>> html_excerpt(b"<html><body>502 Bad Gateway</body></html>"), html_excerpt(b'{"data": []}')
    ('<html>', None)
    """
    if head[:2] in UTF16_MARKS:
        head = head.decode("utf-16", "replace").encode()
    start = _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf"))
    if start is None:
        return None
    title = _HTML_TITLE.search(head)
    if title is None:
        return "<" + " ".join(start.group(1).decode("ascii").split()) + ">"
    text = "".join(c for c in title.group(1).decode("utf-8", "replace") if c.isprintable()
                   or c.isspace())
    return f"<title>{' '.join(text.split())[:80]}</title>"


def html_message(name: str) -> str:
    """The ``envelope`` problem of a file that is an HTML page (:func:`html_excerpt`)."""
    return (f"{name} looks like an HTML page (a login or error page saved in place of the "
            "list; its title is in raw), not JSON: not read, so none of its records load; "
            "save the list again")


def html_told(files: dict[str, Path], pages: dict[str, list[Path]],
              roles: list[Path]) -> list[Problem]:
    """An ``envelope`` problem per resource file that is an HTML page (:func:`html_excerpt`
    of its first bytes, gunzipped), each such file taken out of ``files``, ``pages`` and
    ``roles`` (a per-role user list): the others are read as they are."""
    told: list[Problem] = []

    def page(path: Path, kind: str) -> bool:
        excerpt = html_excerpt(file_head(path))
        if excerpt is not None:
            told.append(Problem(code="envelope", message=html_message(path.name),
                                file=path.name, kind=kind, raw=excerpt))
        return excerpt is not None

    for kind, path in list(files.items()):
        if page(path, kind):
            del files[kind]
    for kind, paths in list(pages.items()):
        pages[kind] = [q for q in paths if not page(q, kind)]
        if not pages[kind]:
            del pages[kind]
    roles[:] = [q for q in roles if not page(q, "users")]
    return told
