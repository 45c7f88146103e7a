"""Reader for legacy Clever JSON (API v1.1, v1.2, v2.0, v2.1), read into v3 records.

Legacy dumps have one list per user type instead of ``users``:
``students``, ``teachers``, ``contacts``, ``staff``, ``school_admins`` (also spelled
``schooladmins``) and ``district_admins`` (``districtadmins``), plus
``districts``, ``schools`` and ``sections``. Files may be list envelopes with a
``paging`` object, be split in pages (``sections_page1.json``,
``sections2.json``, ``schools_list.json``), and sections carry their term as an
embedded object and their course as ``course_name``/``course_number``.

How they become v3 records:

- each legacy user becomes a v3 ``User`` with the same id (also kept as the
  role's ``legacy_id``); ``id, district, name, email, created, last_modified``
  stay on the user, every other field goes to the role (``roles.student``,
  ``roles.teacher``, ``roles.staff``, ``roles.district_admin``,
  ``roles.contact``). The same id in two lists is one user with both roles (a
  problem notes it: legacy ids were per type).
- a contact's ``name`` string becomes ``name.last``; its ``student`` (v1.1) or
  ``students`` (v2) with top-level ``relationship``/``type`` become
  ``student_relationships`` (when ``students`` is no list, or no student is named, those
  keys stay as they came, in the role's ``extra``).
- a section's ``term`` object becomes a Term with id ``"legacy-term:"`` + 16 hex
  digits of SHA-256 of name, start and end date (U+001F-joined); its
  ``course_name``/``course_number`` a Course with id ``"legacy-course:"`` + the
  hash of name and number: sections with the same name *and* number share a
  course (legacy numbers repeat across different course names, e.g. ``"1"``,
  so the number alone does not identify a course there);
  ``course_description`` is kept in the course's ``extra`` (the first section's: a section
  describing the course otherwise keeps its own in its ``extra``, told once per course). A v2.1 section that names
  its term (``term_id``) or course (``course``) record keeps that term object or those
  course cells as they came, in its ``extra``: nothing is built from them.
- a section with only ``teacher`` (v1.1) gets ``teachers = [teacher]``; when
  ``teachers`` is there but does not start with ``teacher``, the primary
  teacher is moved first (v3 always has ``teachers``, primary first). A
  provenance note counts the sections changed.
- a record that has a ``roles`` object is a v3 user (``/v3.0/users?role=student``
  saved as ``students.json``): it is taken as it is (a provenance note counts them);
  a multi-role user in several such files is one user.
- grade ``"K"`` (and ``"PK"``/``"PreK"``, ``"TK"``) is **mapped** to
  ``"Kindergarten"`` (``"PreKindergarten"``, ``"TransitionalKindergarten"``),
  and each mapping is noted as a problem (code ``other``, field ``grade``).

Files that hold no roster records (``events*.json``, ``*_count.json``,
``error_*.json``, ``_recorded_requests.json``) are listed in the provenance
notes and skipped; a list saved with no suffix (``students``, as ``curl -O`` saves
it) is not read, with a problem when no other file holds that list. A file that is not
JSON is a ``syntax`` problem with its line and column, an HTML page (a login page saved
in place of a list) or an API error body an ``envelope`` problem; the other files still
load.

Examples
--------
>>> import rostergraph
>>> is_legacy_clever(rostergraph.sample_path())
False
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import msgspec
import orjson

from ..errors import SourceError
from ..roster import Roster, RosterBuilder, raw_text
from .clever_files import (
    cut_list_message,
    error_response,
    html_excerpt,
    html_message,
    legacy_section_head,
    next_link,
    saved_name,
    tell_cut_short,
)
from .clever_json import (
    LEGACY_USER_FILES,
    cut_short,
    from_utf16,
    repaired_json,
    resource_kind,
    told_twice,
    unwrap,
)
from .credentials import raw_without_credentials
from .jsonkeys import (
    duplicate_keys,
    has_wide_integer,
    maybe_duplicate_keys,
    tell_wide_integer,
    wide_integers,
)

__all__ = ["LEGACY_USER_FILES", "is_legacy_clever", "read_legacy_clever"]

_RECORD_FILES = {"districts", "schools", "sections", "terms", "courses"}
_USER_KEYS = {"id", "district", "name", "email", "created", "last_modified"}
_GRADES = {"K": "Kindergarten", "PK": "PreKindergarten", "PreK": "PreKindergarten",
           "TK": "TransitionalKindergarten"}
_SUFFIX = re.compile(r"(_list|_nolinks|_page\d+|\d+)+$")


def _v3_only(name: str) -> bool:
    """A file only a v3 dump holds: ``users`` (legacy has per-role lists), or another
    resource as JSON Lines (legacy lists never are)."""
    got = resource_kind(name)
    return got is not None and (got[0] == "users" or got[1].startswith((".jsonl", ".ndjson")))


def _base(name: str) -> str | None:
    if not name.lower().endswith(".json"):
        return None
    return _SUFFIX.sub("", name[:-5].lower())


def _files(p: Path) -> list[Path]:
    if p.is_dir():
        from .limits import check_inside

        found = sorted(q for q in p.iterdir() if q.is_file() and q.name.lower().endswith(".json"))
        for q in found:
            check_inside(p, q)  # no symlinks out of the folder
        return found
    return [p]


def _unsuffixed(b: RosterBuilder, p: Path, files: list[Path]) -> None:
    """Tell each file of the folder named as a legacy list but without ``.json``: none is
    read. One with no suffix at all (a response saved by ``curl -O`` or ``wget``:
    ``students``, ``students?limit=100``) is a problem when no file of that list is read
    (the roster has none of its records); the others (a copy ``students.json.1``, one
    beside the list's file) are named in a note."""
    read = {_base(f.name) for f in files}
    beside = []
    for q in sorted(p.iterdir()):
        stem, suffixed = saved_name(q.name)
        if q.name.lower().endswith(".json") or (stem not in LEGACY_USER_FILES
                                                and stem not in _RECORD_FILES) or not q.is_file():
            continue
        if stem in read or suffixed:  # (a copy, a backup: noted)
            beside.append(q.name)
            continue
        b.problem("other", f"{q.name} is named as the legacy list {stem} but has no .json "
                  "suffix (curl -O and wget save an API response without one): not read, "
                  "and no other file holds that list, so the roster has none of it; save it "
                  f"as {stem}.json to read it", file=q.name,
                  kind="users" if stem in LEGACY_USER_FILES else stem)
    if beside:
        b.notes.append(f"not read ({len(beside)} files named as a legacy list, without "
                       f".json: {', '.join(beside[:10])}"
                       f"{', ...' if len(beside) > 10 else ''})")


def is_legacy_clever(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a legacy (v1.x/v2.x) Clever JSON folder or file.

    Recognised by file names (``students``, ``teachers``, ``contacts``,
    ``school_admins``, ``district_admins``, with paging suffixes) or by shape: a
    ``paging`` object, or sections with an embedded ``term`` or ``course_name``.

    Examples
    --------
    >>> import rostergraph
    >>> is_legacy_clever(rostergraph.sample_path() / "sections.json")
    False
    """
    p = Path(path)
    try:
        files = _files(p)
        if p.is_dir() and any(_v3_only(q.name) for q in p.iterdir()):
            # v3 has users, legacy never, and legacy lists are never JSON Lines: a stray
            # v1/v2 list (or a per-role list) beside them is the v3 reader's
            return False
    except OSError:
        return False
    if any(_base(f.name) in LEGACY_USER_FILES for f in files):
        return True
    for f in files:
        base = _base(f.name)
        if base not in _RECORD_FILES:
            continue
        try:
            with open(f, "rb") as fh:
                head = fh.read(1 << 16)
        except OSError:
            continue
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (the reader takes it)
            head = head.decode("utf-16", "replace").encode()
        if b'"paging"' in head or (base == "sections" and legacy_section_head(head)):
            return True
    return False


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _record_list(doc: Any) -> list[Any] | None:
    """The records of a legacy list document: the array itself, or its ``data`` (a list,
    or one record)."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        return doc["data"]
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
        return [doc["data"]]
    return None


def _self_link(doc: Any) -> str | None:
    """The ``self`` link of a list response (the page's own address), or ``None``."""
    links = doc.get("links") if isinstance(doc, dict) else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == "self" and isinstance(
                link.get("uri"), str):
            return str(link["uri"])
    return None


def _tell_missing_pages(b: RosterBuilder, pages: dict[str, list[tuple[str, str | None,
                                                                    str | None]]]) -> None:
    """A ``missing_file`` problem for each list saved in part: a page whose ``next`` link
    names no page of the folder (by the pages' ``self`` links; when a page has none, a
    list saved as one file that links to a next page). ``pages``: list name → (file, self
    link, next link) of each of its files."""
    for base, got in pages.items():
        selves = {s for _, s, _ in got if s}
        by_self = all(s for _, s, _ in got)
        for name, _, uri in got:
            if uri and (uri not in selves if by_self else len(got) == 1):
                b.problem("missing_file", cut_list_message(base, name, uri), file=name)


class _Reader:
    def __init__(self, b: RosterBuilder) -> None:
        self.b = b
        #: list name → (file, self link, next link) of each file read (the pages)
        self.pages: dict[str, list[tuple[str, str | None, str | None]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.user_where: dict[str, tuple[str, int]] = {}
        self.user_files: dict[str, str] = {}
        self.terms: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, dict[str, Any]] = {}
        self.described: dict[str, str | None] = {}  # course → the section describing it
        self.told_descriptions: set[str] = set()  # courses described otherwise, told
        self.teachers_built = 0  # sections given a ``teachers`` list from ``teacher``
        self.v3_users: dict[str, int] = {}  # file → v3 users (with ``roles``) read as they are

    def items(self, f: Path) -> list[Any] | None:
        data = f.read_bytes()
        self.b.add_file(f.name, data)
        excerpt = html_excerpt(data[:4096])
        if excerpt is not None:  # (a login page saved: one problem, as the v3 reader's)
            self.b.problem("envelope", html_message(f.name), file=f.name, raw=excerpt)
            return None
        data = from_utf16(self.b, data, f.name, None)  # (a file Windows PowerShell saved)
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # the stdlib (it keeps lone surrogates, which orjson refuses), then Latin-1
            # bytes and trailing commas mended, as the v3 reader does
            fixed, said = repaired_json(data)
            for code, message, line, raw in said:
                self.b.problem(code, message, file=f.name, line=line, raw=raw)
            cut = cut_short(exc, data) if fixed is None else None
            if cut is not None:  # (a file cut short: its whole records load)
                return tell_cut_short(self.b, cut, f.name, None)
            if fixed is None:
                self.b.problem("syntax", f"not valid JSON: {exc.msg} (column {exc.colno}); "
                               "the file was not loaded", file=f.name, line=exc.lineno,
                               raw=raw_text(data[max(0, exc.pos - 80):exc.pos + 80]))
                return None
            doc, data = fixed  # (repeated keys are looked for in the mended text)
        if maybe_duplicate_keys(data, doc):  # (told for the file, by the key's path)
            for path, value in duplicate_keys(data):
                told_twice(self.b, path, value, None, file=f.name)
        self.pages.setdefault(_base(f.name) or f.name, []).append(
            (f.name, _self_link(doc), next_link(doc)))
        items = _record_list(doc)
        failed = error_response(doc) if isinstance(doc, dict) and items is None else None
        if failed is not None:  # (a failed request's body: the v3 reader's problem)
            self.b.problem("envelope", failed, file=f.name, raw=raw_text(orjson.dumps(doc)))
        elif items is None:
            self.b.notes.append(f"{f.name}: no record list (keys: "
                                f"{', '.join(sorted(doc)[:5])})" if isinstance(doc, dict)
                                else f"{f.name}: no record list")
        exact = wide_integers(data)  # (the items decoded exactly: orjson's floats told)
        for i, item in enumerate(_record_list(exact) or () if exact is not None else ()):
            if has_wide_integer(item):
                tell_wide_integer(self.b.problem, msgspec.json.encode(item), item,
                                  file=f.name, index=i)
        return items

    def grade(self, d: dict[str, Any], file: str, index: int, kind: str,
              rid: str | None = None) -> None:
        """Map ``d``'s short grade, with a problem naming the record (``rid``, or ``d``'s
        id: a student's role fields hold no id)."""
        g = d.get("grade")
        if isinstance(g, str) and g in _GRADES:
            d["grade"] = _GRADES[g]
            self.b.problem("other", f"legacy grade {g!r} mapped to {_GRADES[g]!r}", file=file,
                           index=index, kind=kind, record_id=rid or _id(d), field="grade")

    def user(self, role: str, rec: dict[str, Any], file: str, index: int) -> None:
        uid = rec.get("id")
        if not isinstance(uid, str) or not uid:
            self.b.problem("no_id", f"{role} record without a string id", file=file,
                           index=index, kind="users", raw=raw_text(orjson.dumps(rec)))
            return
        if isinstance(rec.get("roles"), dict):  # a v3 user (``/v3.0/users?role=...`` saved)
            self.v3_user(rec, uid, file, index)
            return
        top = {k: v for k, v in rec.items() if k in _USER_KEYS}
        body = {k: v for k, v in rec.items() if k not in _USER_KEYS}
        if role == "student":
            self.grade(body, file, index, "users", uid)
        if role == "contact":
            if isinstance(top.get("name"), str):
                top["name"] = {"last": top["name"]}
            students, one = body.get("students"), body.get("student")
            if students is None and one is not None:
                students = [one]
            # (a value that cannot be linked, a students string, stays as it came: kept)
            if isinstance(students, list):
                body.pop("students", None)
                body.pop("student", None)
                rel, typ = body.pop("relationship", None), body.pop("type", None)
                body["student_relationships"] = [
                    {k: v for k, v in (("student", s), ("relationship", rel), ("type", typ))
                     if v is not None} for s in students]
        body["legacy_id"] = uid
        u = self.users.get(uid)
        if u is None:
            u = dict(top, roles={})
            self.users[uid] = u
            self.user_where[uid] = (file, index)
            self.user_files[uid] = file
        elif role in u["roles"]:
            self.b.problem("duplicate_id", f"duplicate {role} id {uid!r}: the first record is "
                           "kept", file=file, index=index, kind="users", record_id=uid)
            return
        else:
            self.b.problem("other", f"id {uid!r} is in {self.user_files[uid]} and {file}; "
                           "read as one user with both roles (legacy ids were per type)",
                           file=file, index=index, kind="users", record_id=uid)
            for k, v in top.items():
                u.setdefault(k, v)
        u["roles"][role] = body

    def v3_user(self, rec: dict[str, Any], uid: str, file: str, index: int) -> None:
        """A v3 user in a per-role list (``students.json`` saved from ``/v3.0/users?role=
        student``) is taken as it is; a multi-role user listed under each of its roles is
        one user (another version of it is a duplicate)."""
        self.v3_users[file] = self.v3_users.get(file, 0) + 1
        u = self.users.get(uid)
        if u is None:
            self.users[uid] = dict(rec)
            self.user_where[uid] = (file, index)
            self.user_files[uid] = file
        elif u != rec:
            self.b.problem("duplicate_id", f"user {uid!r} is in {self.user_files[uid]} and "
                           f"{file} with other values: the first record is kept", file=file,
                           index=index, kind="users", record_id=uid,
                           raw=raw_text(orjson.dumps(rec)))

    def section(self, rec: dict[str, Any], file: str, index: int) -> dict[str, Any]:
        d = dict(rec)
        self.grade(d, file, index, "sections")
        term = d.get("term")
        # (a v2.1 section naming its term and course records keeps the embedded term and
        # course cells as they came: records built from them would be second copies)
        if isinstance(term, dict) and not isinstance(d.get("term_id"), str):
            d.pop("term")
            name, start, end = (str(term.get(k) or "") for k in ("name", "start_date",
                                                                   "end_date"))
            if name or start or end or term.get("id"):
                tid: str = term["id"] if isinstance(term.get("id"), str) else (
                    "legacy-term:" + _hash(name, start, end))
                self.terms.setdefault(tid, dict(term, id=tid, **(
                    {"district": d["district"]} if isinstance(d.get("district"), str) else {})))
                d["term_id"] = tid
        if isinstance(d.get("course"), str):
            self.teachers_of(d)
            return d
        name, number = d.pop("course_name", None), d.pop("course_number", None)
        desc = d.pop("course_description", None)
        if name or number:
            if not name:
                self.b.problem("other", "course_number without course_name: no course built",
                               file=file, index=index, kind="sections", record_id=_id(d),
                               field="course_name")
                d["course_number"] = number
            else:
                cid = "legacy-course:" + _hash(str(name), str(number or ""))
                c = self.courses.setdefault(cid, {"id": cid, "name": name})
                if number is not None:
                    c.setdefault("number", number)
                if desc is not None and c.setdefault("course_description", desc) == desc:
                    self.described.setdefault(cid, _id(d))
                    desc = None  # (the course's)
                elif desc is not None:  # (kept on its section, below: not lost)
                    self.other_description(cid, d, desc, file, index)
                if isinstance(d.get("district"), str):
                    c.setdefault("district", d["district"])
                d["course"] = cid
        if desc is not None:
            d["course_description"] = desc
        self.teachers_of(d)
        return d

    def other_description(self, cid: str, d: dict[str, Any], desc: Any, file: str,
                          index: int) -> None:
        """Tell, once per course, a section describing its course otherwise than the
        section the course's description was read from."""
        if cid in self.told_descriptions:
            return
        self.told_descriptions.add(cid)
        self.b.problem("other", f"section {_id(d)!r} describes course {cid!r} otherwise "
                       f"than section {self.described.get(cid)!r} did: the course keeps the "
                       "first course_description; each section describing it otherwise keeps "
                       "its own in its extra (this one's in raw)", file=file, index=index,
                       kind="sections", record_id=_id(d), field="course_description",
                       raw=raw_text(desc))

    def teachers_of(self, d: dict[str, Any]) -> None:
        """v1.1 sections name only ``teacher``; v3 always has ``teachers``, primary first."""
        teacher, teachers = d.get("teacher"), d.get("teachers")
        if not isinstance(teacher, str) or not teacher:
            return
        if teachers is None:
            d["teachers"] = [teacher]
            self.teachers_built += 1
        elif isinstance(teachers, list) and (not teachers or teachers[0] != teacher):
            d["teachers"] = [teacher, *(t for t in teachers if t != teacher)]
            self.teachers_built += 1


def _id(d: dict[str, Any]) -> str | None:
    v = d.get("id")
    return v if isinstance(v, str) else None


def read_legacy_clever(path: str | os.PathLike[str], *, strict: bool = False) -> Roster:
    """Read a legacy Clever JSON folder (or one file) into v3 records.

    Parameters
    ----------
    path:
        A folder of legacy list files (``students.json``, ``sections_page1.json``,
        ...) or one such file.
    strict:
        Raise :class:`~rostergraph.errors.FormatError` on the first problem.

    Returns
    -------
    Roster
        With ``provenance.format == "clever-legacy"``.

    Raises
    ------
    SourceError
        When the path does not exist or holds no legacy Clever files.

    Examples
    --------
    >>> import rostergraph, tempfile, pathlib, json
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "teachers.json").write_text(json.dumps({"data": [{"data": {
    ...     "id": "t1", "school": "s1", "name": {"last": "Doe"}}}], "paging": {"current": 1}}))
    >>> r = read_legacy_clever(d)
    >>> r.users["t1"].roles.teacher.school, r.users["t1"].roles.teacher.legacy_id
    ('s1', 't1')
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("no such file or folder", path=str(path))
    files = _files(p)
    b = RosterBuilder(source=str(path), format="clever-legacy", strict=strict,
                      raw_filter=raw_without_credentials)
    b.version = "v1.1/v2.x"
    if p.is_dir():
        from .limits import unreadable_entries, unreadable_message

        for name, what in unreadable_entries(p):  # (a link to nothing named students.json)
            base = _base(name)
            if base in LEGACY_USER_FILES or base in _RECORD_FILES:
                b.problem("missing_file", unreadable_message(name, what), file=name,
                          kind="users" if base in LEGACY_USER_FILES else base)
        _unsuffixed(b, p, files)
    r = _Reader(b)
    sections: list[tuple[dict[str, Any], str, int]] = []
    known = 0
    for f in files:
        base = _base(f.name)
        if base not in LEGACY_USER_FILES and base not in _RECORD_FILES:
            b.notes.append(f"{f.name}: not a roster list; skipped")
            continue
        known += 1
        items = r.items(f)
        if items is None:
            continue
        for i, item in enumerate(items):
            rec = unwrap(item, b, file=f.name, index=i)
            if not isinstance(rec, dict):
                b.problem("not_object", "expected a JSON object", file=f.name, index=i,
                          raw=raw_text(orjson.dumps(rec)))
                continue
            if base in LEGACY_USER_FILES:
                r.user(LEGACY_USER_FILES[base], rec, f.name, i)
            elif base == "sections":
                sections.append((r.section(rec, f.name, i), f.name, i))
            else:
                b.add(base, rec, file=f.name, index=i)
    if not known:
        raise SourceError("no legacy Clever files found (expected students.json, "
                          "teachers.json, sections.json, ...)", path=str(path))
    _tell_missing_pages(b, r.pages)
    for kind, table in (("terms", r.terms), ("courses", r.courses)):
        for d in table.values():
            b.add(kind, d)
    for d, name, i in sections:
        b.add("sections", d, file=name, index=i)
    if r.teachers_built:
        b.notes.append(f"{r.teachers_built:,} sections had `teacher` without `teachers` "
                       "(or not first): `teachers` built with the primary teacher first")
    for name, n in r.v3_users.items():
        b.notes.append(f"{name}: {n:,} v3 users (with `roles`) read as they are")
    for uid, u in r.users.items():
        name, i = r.user_where[uid]
        b.add("users", u, file=name, index=i)
    return b.build()
