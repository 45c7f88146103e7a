"""Typed roster records, one attrs class per Clever v3.0 resource (with the fields
Clever API v3.1 adds).

Records are frozen, slotted and plain: readers build them, rules judge them,
nothing here imports anything else of rostergraph. Field names are Clever's
(``term_id``, ``teachers`` with the primary first, ``student_relationships``).

- Strings are kept exactly as the source gave them (no stripping, no case
  folding, emails not normalized).
- ``None`` means the field was absent or ``null`` in the source; each object's
  ``nulls`` (a frozenset of field names) says which ones the source sent as an
  explicit ``null``, and :func:`record_to_dict` writes ``null`` exactly there
  (:func:`null_paths` lists them for a whole record).
- Keys the schema does not know are kept in ``extra`` (a read-only mapping), so a
  write-back loses nothing. A known field whose value has the wrong JSON type
  (a number where a string belongs) is also kept, in ``extra`` under its own
  name, and the field itself is ``None``; the reader records a problem.
- Dates keep the source string; the ``*_parsed`` properties return a
  :class:`datetime.date` or ``None`` when the string does not parse.

Examples
--------
>>> sec = record_from_dict(Section, {"id": "s1", "school": "sc1", "teachers": ["t1", "t2"],
...                                  "students": ["u1"], "room": "12B"})[0]
>>> sec.teachers, sec.extra["room"]
(('t1', 't2'), '12B')
>>> user = record_from_dict(User, {"id": "u1", "roles": {"student": {"school": "sc1"}}})[0]
>>> user.roles.student.school, user.roles.teacher is None
('sc1', True)
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import attrs

__all__ = [
    "KINDS",
    "ROLE_NAMES",
    "ContactRole",
    "Course",
    "Credentials",
    "Disability",
    "District",
    "DistrictAdminRole",
    "DistrictContact",
    "Location",
    "Name",
    "Principal",
    "Roles",
    "School",
    "SchoolEnrollment",
    "Section",
    "StaffRole",
    "StudentRelationship",
    "StudentRole",
    "TeacherRole",
    "Term",
    "User",
    "iso_date",
    "null_paths",
    "parse_date",
    "record_from_dict",
    "record_to_dict",
]

#: The record kinds of a roster, in dependency order.
KINDS: tuple[str, ...] = ("districts", "schools", "terms", "courses", "sections", "users")
#: The role keys of ``User.roles``, as Clever spells them.
ROLE_NAMES: tuple[str, ...] = ("student", "teacher", "staff", "district_admin", "contact")

EMPTY: Mapping[str, Any] = MappingProxyType({})

_T = TypeVar("_T")

# Field kinds used by the generic converter: the schema is declared once, on
# the classes, so readers and writers cannot drift from it.
_STR, _STRS, _OBJ, _OBJS, _MAP = "str", "strs", "obj", "objs", "map"


def _f(kind: str = _STR, cls: type | None = None) -> Any:
    return attrs.field(default=None, metadata={"kind": kind, "cls": cls})


def _extra() -> Any:
    return attrs.field(default=EMPTY, metadata={"kind": "extra"}, repr=False, eq=True)


#: ``nulls`` of an object that had no explicit ``null`` (shared by every such object).
NO_NULLS: frozenset[str] = frozenset()


def _nulls() -> Any:
    return attrs.field(default=NO_NULLS, metadata={"kind": "nulls"}, repr=False, eq=True)


#: a time of day after a date, as spreadsheets and .NET exports write it
#: (``12:00:00 AM``, ``00:00``, ``13:05:00.000``)
_TIME = (r"(?:[ T](?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
         r"|(?:0?[1-9]|1[0-2]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)? ?[AaPp][Mm]))?")
#: an ISO 8601 (RFC 3339) time of day after a date, with an optional UTC offset and zone
#: name, as APIs and SQL exports write it (``T08:00:00Z``, `` 00:00:00.000``,
#: `` 00:00:00.0000000 +00:00``, BigQuery's `` 07:00:00 UTC``, Go's `` 07:00:00 +0000 UTC``,
#: Java's ``T07:00Z[UTC]``; ``t`` and ``z`` in lower case, a leap second ``23:59:60``)
_ISO_TIME = (r"(?:[Tt ](?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?"
             r"(?: ?(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?))?"
             r"(?: ?(?:UTC|GMT))?(?:\[[A-Za-z][\w/+\-]{0,63}\])?)?")
# (ASCII: ``\d`` would take any script's digits, and ``int`` reads them: "２０２４-…")
_DATE_RES = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:" + _ISO_TIME + "|" + _TIME + ")$", re.ASCII),
     (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$", re.ASCII), (3, 1, 2)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$", re.ASCII), (3, 1, 2)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME + "$", re.ASCII), (1, 2, 3)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII), (1, 2, 3)),
)
#: a two-digit year below this is 20YY, else 19YY (the POSIX ``%y`` pivot)
TWO_DIGIT_PIVOT = 69


def parse_date(value: str | None) -> _dt.date | None:
    """Parse a roster date in any form Clever's API or SFTP spec uses.

    ``YYYY-MM-DD`` (or an ISO 8601 timestamp: a valid time of day after ``T`` or a space,
    with or without a UTC offset or zone name), ``M/D/YYYY`` (``MM/DD/YYYY``),
    ``M/D/YY`` (a two-digit year below 69 is 20YY, else 19YY, as POSIX
    ``%y``), ``YYYY/MM/DD`` and ``YYYYMMDD``; ``M/D/YYYY`` and ``YYYY/MM/DD``
    may carry a time of day as spreadsheets and SIS exports write one
    (``8/1/2024 12:00:00 AM``), which is ignored. Returns ``None`` for
    ``None``, ``""`` or anything that is not a real date.

    Examples
    --------
    >>> parse_date("2024-08-15"), parse_date("2/11/2007"), parse_date("2024-02-30")
    (datetime.date(2024, 8, 15), datetime.date(2007, 2, 11), None)
    >>> parse_date("8/1/15"), parse_date("20150801")
    (datetime.date(2015, 8, 1), datetime.date(2015, 8, 1))
    >>> parse_date("8/1/2024 12:00:00 AM"), parse_date("2024/08/01"), parse_date("8/1/2024 x")
    (datetime.date(2024, 8, 1), datetime.date(2024, 8, 1), None)
    >>> [parse_date(v) for v in ("8/1/2024 99:99 PM", "2024/08/01 25:00", "8/1/2024 13:00 PM")]
    [None, None, None]
    >>> parse_date("2024-08-01T07:00:00.000Z"), parse_date("2024-08-01 99:99")
    (datetime.date(2024, 8, 1), None)
    >>> parse_date("2024-08-01 07:00:00 UTC"), parse_date("2024-08-01T07:00Z[UTC]")
    (datetime.date(2024, 8, 1), datetime.date(2024, 8, 1))
    """
    if not value or not isinstance(value, str):
        return None
    for rx, (yi, mi, di) in _DATE_RES:
        m = rx.match(value.strip())
        if m:
            year = int(m.group(yi))
            if len(m.group(yi)) == 2:
                year += 2000 if year < TWO_DIGIT_PIVOT else 1900
            try:
                return _dt.date(year, int(m.group(mi)), int(m.group(di)))
            except ValueError:
                return None
    return None


def iso_date(value: str | None) -> str | None:
    """``value`` as ISO 8601 ``YYYY-MM-DD`` when :func:`parse_date` reads it, else None.

    Examples
    --------
    >>> iso_date("8/1/15"), iso_date("2015-08-01"), iso_date("soon")
    ('2015-08-01', '2015-08-01', None)
    """
    d = parse_date(value)
    return d.isoformat() if d is not None else None


# --- nested value objects -------------------------------------------------


@attrs.frozen(slots=True)
class Name:
    """A person's name; contacts carry the full name in ``last``."""

    first: str | None = _f()
    middle: str | None = _f()
    last: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Location:
    """A postal location (all strings, all optional)."""

    address: str | None = _f()
    city: str | None = _f()
    state: str | None = _f()
    zip: str | None = _f()
    lat: str | None = _f()
    lon: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Principal:
    """A school's principal."""

    name: str | None = _f()
    email: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Credentials:
    """Login credentials as Clever shares them (a username only)."""

    district_username: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class DistrictContact:
    """The district's contact person (``district.district_contact``)."""

    id: str | None = _f()
    district: str | None = _f()
    email: str | None = _f()
    title: str | None = _f()
    name: Name | None = _f(_OBJ, Name)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Disability:
    """``roles.student.disability`` (Clever API v3.1): ``disability_status`` (Y/N),
    ``disability_type`` and ``disability_code`` (IDEA categories), kept as sent."""

    disability_status: str | None = _f()
    disability_type: str | None = _f()
    disability_code: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class SchoolEnrollment:
    """One entry of ``roles.student.enrollments``."""

    school: str | None = _f()
    start_date: str | None = _f()
    end_date: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class StudentRelationship:
    """A contact's link to one student: ``student`` is a v3 user id."""

    student: str | None = _f()
    relationship: str | None = _f()
    type: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


# --- resources ------------------------------------------------------------


@attrs.frozen(slots=True)
class District:
    """A Clever district (the top-level object)."""

    kind: ClassVar[str] = "district"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    name: str | None = _f()
    sis_type: str | None = _f()
    state: str | None = _f()
    last_sync: str | None = _f()
    launch_date: str | None = _f()
    pause_start: str | None = _f()
    pause_end: str | None = _f()
    error: str | None = _f()
    portal_url: str | None = _f()
    lms_state: str | None = _f()  # Clever API v3.1 (LMS Connect)
    lms_type: str | None = _f()  # Clever API v3.1 (LMS Connect)
    login_methods: tuple[str, ...] | None = _f(_STRS)
    mdr_number: str | None = _f()
    nces_id: str | None = _f()
    district_contact: DistrictContact | None = _f(_OBJ, DistrictContact)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class School:
    """A school; ``district`` is the district id."""

    kind: ClassVar[str] = "school"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    district: str | None = _f()
    name: str | None = _f()
    school_number: str | None = _f()
    sis_id: str | None = _f()
    state_id: str | None = _f()
    nces_id: str | None = _f()
    mdr_number: str | None = _f()
    phone: str | None = _f()
    low_grade: str | None = _f()
    high_grade: str | None = _f()
    location: Location | None = _f(_OBJ, Location)
    principal: Principal | None = _f(_OBJ, Principal)
    created: str | None = _f()
    last_modified: str | None = _f()
    ext: Mapping[str, Any] | None = _f(_MAP)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Term:
    """A term; its id is not stable across syncs (Clever re-creates terms)."""

    kind: ClassVar[str] = "term"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    district: str | None = _f()
    name: str | None = _f()
    start_date: str | None = _f()
    end_date: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()

    @property
    def start_date_parsed(self) -> _dt.date | None:
        """``start_date`` as a date, or ``None`` when absent or unparseable."""
        return parse_date(self.start_date)

    @property
    def end_date_parsed(self) -> _dt.date | None:
        """``end_date`` as a date, or ``None`` when absent or unparseable."""
        return parse_date(self.end_date)


@attrs.frozen(slots=True)
class Course:
    """A course; constructed by Clever from section fields, id not stable."""

    kind: ClassVar[str] = "course"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    district: str | None = _f()
    name: str | None = _f()
    number: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Section:
    """A section: the only link between students and teachers.

    ``teacher`` is the primary teacher and should equal ``teachers[0]``.
    """

    kind: ClassVar[str] = "section"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    district: str | None = _f()
    school: str | None = _f()
    course: str | None = _f()
    term_id: str | None = _f()
    teacher: str | None = _f()
    teachers: tuple[str, ...] | None = _f(_STRS)
    students: tuple[str, ...] | None = _f(_STRS)
    name: str | None = _f()
    sis_id: str | None = _f()
    section_number: str | None = _f()
    period: str | None = _f()
    grade: str | None = _f()
    subject: str | None = _f()
    created: str | None = _f()
    last_modified: str | None = _f()
    ext: Mapping[str, Any] | None = _f(_MAP)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class StudentRole:
    """``roles.student``: ``school`` is the primary school, ``schools`` all.

    ``home_language_code``, ``gifted_status``, ``section_504_status``, ``disability``
    and ``preferred_name`` are Clever API v3.1 fields. Enumerated values (``ell_status``,
    ``frl_status``, ``gifted_status``, ...) are strings kept exactly as the SIS sent
    them, in Clever's enumeration or not.
    """

    legacy_id: str | None = _f()
    school: str | None = _f()
    schools: tuple[str, ...] | None = _f(_STRS)
    sis_id: str | None = _f()
    student_number: str | None = _f()
    state_id: str | None = _f()
    grade: str | None = _f()
    graduation_year: str | None = _f()
    dob: str | None = _f()
    gender: str | None = _f()
    race: str | None = _f()
    hispanic_ethnicity: str | None = _f()
    ell_status: str | None = _f()
    frl_status: str | None = _f()
    iep_status: str | None = _f()
    home_language: str | None = _f()
    home_language_code: str | None = _f()
    gifted_status: str | None = _f()
    section_504_status: str | None = _f()
    disability: Disability | None = _f(_OBJ, Disability)
    preferred_name: Name | None = _f(_OBJ, Name)
    unweighted_gpa: str | None = _f()
    weighted_gpa: str | None = _f()
    email: str | None = _f()
    enrollments: tuple[SchoolEnrollment, ...] | None = _f(_OBJS, SchoolEnrollment)
    credentials: Credentials | None = _f(_OBJ, Credentials)
    location: Location | None = _f(_OBJ, Location)
    created: str | None = _f()
    last_modified: str | None = _f()
    ext: Mapping[str, Any] | None = _f(_MAP)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class TeacherRole:
    """``roles.teacher``: ``school`` is the primary school, ``schools`` all."""

    legacy_id: str | None = _f()
    school: str | None = _f()
    schools: tuple[str, ...] | None = _f(_STRS)
    sis_id: str | None = _f()
    teacher_number: str | None = _f()
    state_id: str | None = _f()
    title: str | None = _f()
    credentials: Credentials | None = _f(_OBJ, Credentials)
    ext: Mapping[str, Any] | None = _f(_MAP)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class StaffRole:
    """``roles.staff`` (v2 school admins): only ``schools``, no primary school."""

    legacy_id: str | None = _f()
    schools: tuple[str, ...] | None = _f(_STRS)
    staff_id: str | None = _f()
    title: str | None = _f()
    department: str | None = _f()
    roles: tuple[str, ...] | None = _f(_STRS)
    credentials: Credentials | None = _f(_OBJ, Credentials)
    ext: Mapping[str, Any] | None = _f(_MAP)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class DistrictAdminRole:
    """``roles.district_admin``: no school; administers the user's district."""

    legacy_id: str | None = _f()
    title: str | None = _f()
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class ContactRole:
    """``roles.contact``: a parent/guardian/emergency contact of students."""

    legacy_id: str | None = _f()
    sis_id: str | None = _f()
    phone: str | None = _f()
    phone_type: str | None = _f()
    student_relationships: tuple[StudentRelationship, ...] | None = _f(
        _OBJS, StudentRelationship
    )
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


@attrs.frozen(slots=True)
class Roles:
    """The roles a user holds; an absent role is ``None``."""

    student: StudentRole | None = _f(_OBJ, StudentRole)
    teacher: TeacherRole | None = _f(_OBJ, TeacherRole)
    staff: StaffRole | None = _f(_OBJ, StaffRole)
    district_admin: DistrictAdminRole | None = _f(_OBJ, DistrictAdminRole)
    contact: ContactRole | None = _f(_OBJ, ContactRole)
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()

    @property
    def names(self) -> tuple[str, ...]:
        """The role keys present, in Clever's order."""
        return tuple(r for r in ROLE_NAMES if getattr(self, r) is not None)


@attrs.frozen(slots=True)
class User:
    """A v3.0 user; one person may hold several roles (see ``roles``)."""

    kind: ClassVar[str] = "user"
    id: str = attrs.field(metadata={"kind": _STR, "cls": None})
    district: str | None = _f()
    email: str | None = _f()
    name: Name | None = _f(_OBJ, Name)
    created: str | None = _f()
    last_modified: str | None = _f()
    roles: Roles = attrs.field(factory=Roles, metadata={"kind": _OBJ, "cls": Roles})
    extra: Mapping[str, Any] = _extra()
    nulls: frozenset[str] = _nulls()


RECORD_CLASSES: dict[str, type[District | School | Term | Course | Section | User]] = {
    "districts": District,
    "schools": School,
    "terms": Term,
    "courses": Course,
    "sections": Section,
    "users": User,
}

# --- generic conversion ----------------------------------------------------

def _schema_fields(cls: type) -> tuple[tuple[str, str, type[Any] | None], ...]:
    """``(name, kind, nested class)`` of each of a record class's schema fields."""
    return tuple(
        (a.name, a.metadata["kind"], a.metadata.get("cls"))
        for a in attrs.fields(cls)
        if a.metadata.get("kind") not in ("extra", "nulls")
    )


#: :func:`_schema_fields`, computed once per class (a pure function of it).
_spec: Callable[[type], tuple[tuple[str, str, type[Any] | None], ...]] = functools.cache(
    _schema_fields)


_JSON_TYPE = {str: "string", int: "number", float: "number", bool: "boolean", list: "array",
              dict: "object", type(None): "null"}


def _tname(v: Any) -> str:
    return _JSON_TYPE.get(type(v), type(v).__name__)


def _a(noun: str) -> str:
    """``noun`` with its indefinite article (``an array``, ``a number``)."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


Problem = tuple[str, str, Any]  # (field path, message, offending value)


def record_from_dict(
    cls: type[_T], data: Mapping[str, Any], _path: str = ""
) -> tuple[_T, list[Problem]]:
    """Build a record of ``cls`` from a decoded JSON object.

    Returns the record and a list of ``(field, message, value)`` problems.
    Unknown keys and values of the wrong type go to ``extra``; nothing is
    dropped. Raises :class:`TypeError` only when ``data`` is not a mapping
    or a top-level ``id`` is not a non-empty string (the caller reports it).

    Examples
    --------
    >>> rec, problems = record_from_dict(Term, {"id": "t1", "name": 7, "color": "red"})
    >>> rec.name, dict(rec.extra), problems
    (None, {'color': 'red', 'name': 7}, [('name', 'expected a string, found number', 7)])
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object, found {_tname(data)}")
    problems: list[Problem] = []
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] | None = None
    spec = _spec(cls)
    known = {name for name, _, _ in spec}
    for key, value in data.items():
        if key not in known:
            if extra is None:
                extra = {}
            extra[key] = value
    nulls: list[str] | None = None
    for name, kind, sub in spec:
        if name not in data:
            continue
        value = data[name]
        if value is None:
            if nulls is None:
                nulls = []
            nulls.append(name)
            continue
        where = f"{_path}{name}"
        if kind == _STR:
            if isinstance(value, str):
                kwargs[name] = value
                continue
            problems.append((where, f"expected a string, found {_tname(value)}", value))
        elif kind == _STRS:
            if isinstance(value, list):  # (its strings count even beside a wrong item)
                kwargs[name] = tuple(x for x in value if isinstance(x, str))
                if len(kwargs[name]) == len(value):
                    continue
            problems.append((where, f"expected an array of strings, found {_tname(value)}"
                             if not isinstance(value, list) else
                             "expected an array of strings, found a non-string item", value))
        elif kind == _OBJ:
            if isinstance(value, Mapping):
                assert sub is not None  # _f(_OBJ, cls) always names the nested class
                rec, sub_problems = record_from_dict(sub, value, where + ".")
                kwargs[name] = rec
                problems.extend(sub_problems)
                continue
            problems.append((where, f"expected an object, found {_tname(value)}", value))
        elif kind == _OBJS:
            if isinstance(value, list):  # (its objects count even beside a wrong item)
                assert sub is not None  # _f(_OBJS, cls) always names the item class
                items = []
                for i, item in enumerate(value):
                    if isinstance(item, Mapping):
                        rec, sub_problems = record_from_dict(sub, item, f"{where}[{i}].")
                        items.append(rec)
                        problems.extend(sub_problems)
                kwargs[name] = tuple(items)
                if len(items) == len(value):
                    continue
            problems.append((where, "expected an array of objects", value))
        elif kind == _MAP:
            if isinstance(value, Mapping):
                kwargs[name] = MappingProxyType(dict(value))
                continue
            problems.append((where, f"expected an object, found {_tname(value)}", value))
        # wrong type: keep the raw value in extra under the field's own name (it is what a
        # record written back holds; a list keeps its items of the right type as the field)
        if extra is None:
            extra = {}
        extra[name] = value
    if "id" in known and not _path and not isinstance(kwargs.get("id"), str):
        # only a record's own id is required; a nested object's id (district_contact) is not
        raise TypeError("record has no string 'id'" if "id" not in data
                        else f"record 'id' is {_a(_tname(data['id']))}, not a string")
    if extra:
        kwargs["extra"] = MappingProxyType(extra)
    if nulls:
        kwargs["nulls"] = null_set(tuple(nulls))
    return cls(**kwargs), problems  # type: ignore[call-arg]


@functools.lru_cache(maxsize=1024)
def null_set(names: tuple[str, ...]) -> frozenset[str]:
    """The ``nulls`` value for these field names: one shared frozenset per combination
    (a million records with ``"middle": null`` share one set).

    Examples
    --------
    >>> null_set(("middle",)) is null_set(("middle",)), null_set(())
    (True, frozenset())
    """
    return frozenset(names) if names else NO_NULLS


def null_paths(record: Any, _prefix: str = "") -> list[str]:
    """Dotted paths of the fields sent as an explicit ``null``, in the record and every
    object inside it (list items as ``field[i]``), in schema order.

    A record's public fields are ``None`` both when the source sent ``null`` and when it
    left the field out; each object's ``nulls`` names its own explicit ones, and
    :func:`record_to_dict` writes ``null`` exactly there.

    Examples
    --------
    >>> rec, _ = record_from_dict(User, {"id": "u1", "email": None,
    ...                                  "name": {"first": "Ann", "middle": None}})
    >>> rec.email is None, null_paths(rec)
    (True, ['email', 'name.middle'])
    >>> null_paths(record_from_dict(User, {"id": "u2"})[0])
    []
    """
    out: list[str] = []
    nulls = record.nulls
    for name, kind, _ in _spec(type(record)):
        if name in nulls:
            out.append(_prefix + name)
            continue
        if kind == _OBJ:
            value = getattr(record, name)
            if value is not None:
                out.extend(null_paths(value, f"{_prefix}{name}."))
        elif kind == _OBJS:
            value = getattr(record, name)
            for i, item in enumerate(value or ()):
                out.extend(null_paths(item, f"{_prefix}{name}[{i}]."))
    return out


def mistyped_paths(record: Any, _prefix: str = "") -> set[str]:
    """Dotted paths of the known fields whose value had the wrong type and was kept
    in ``extra`` (a list where a string belongs, ...), in the record and its nested
    objects. Writers carry these values as they are instead of putting them in a
    typed column.

    Examples
    --------
    >>> rec, _ = record_from_dict(User, {"id": "u1", "email": ["a", "b"],
    ...                                  "roles": {"student": {"grade": {"x": 1}}}})
    >>> sorted(mistyped_paths(rec))
    ['email', 'roles.student.grade']
    """
    out: set[str] = set()
    _add_mistyped(record, _prefix, out)
    return out


def _add_mistyped(record: Any, prefix: str, out: set[str]) -> None:
    # (a writer asks this of every record: most have no extra at any level, so the
    # walk only looks at the nested objects' ``extra``)
    extra = getattr(record, "extra", None)
    if extra:
        out.update(prefix + name for name, _, _ in _spec(type(record)) if name in extra)
    for name in _object_fields(type(record)):
        value = getattr(record, name)
        if value is not None:
            _add_mistyped(value, f"{prefix}{name}.", out)


def _nested_object_fields(cls: type) -> tuple[str, ...]:
    """The names of a record class's nested-object fields."""
    return tuple(name for name, kind, _ in _spec(cls) if kind == _OBJ)


_object_fields: Callable[[type], tuple[str, ...]] = functools.cache(_nested_object_fields)


def record_to_dict(record: Any, *, nulls: bool = True,
                   extra_filter: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                   ) -> dict[str, Any]:
    """Turn a record back into the JSON object it came from.

    A field the source sent as ``null`` (named in the object's ``nulls``) is
    written as ``None``; an absent field is omitted; ``extra`` keys are merged
    back. So ``record_to_dict(record_from_dict(C, d)[0]) == d`` for any object
    ``d`` whose known fields have their schema's types (a user's ``roles`` is
    always written, ``{}`` when the source had none). With ``nulls=False``
    explicit nulls are omitted too (for formats that have no null).
    ``extra_filter`` rewrites each ``extra`` and free-form map (``ext``) met, at any
    depth, before it is merged (the writers leave credentials out so).

    Examples
    --------
    >>> d = {"id": "c1", "name": "Algebra I", "number": None, "x_color": "red"}
    >>> record_to_dict(record_from_dict(Course, d)[0]) == d
    True
    >>> record_to_dict(record_from_dict(Course, d)[0], nulls=False)
    {'id': 'c1', 'name': 'Algebra I', 'x_color': 'red'}
    """
    out: dict[str, Any] = {}
    explicit = record.nulls if nulls else NO_NULLS
    for name, kind, _ in _spec(type(record)):
        value = getattr(record, name)
        if explicit and name in explicit and (value is None or _blank(value)):
            out[name] = None
            continue
        if value is None:
            continue
        if kind == _STRS:
            out[name] = list(value)
        elif kind == _OBJ:
            out[name] = record_to_dict(value, nulls=nulls, extra_filter=extra_filter)
        elif kind == _OBJS:
            out[name] = [record_to_dict(v, nulls=nulls, extra_filter=extra_filter)
                         for v in value]
        elif kind == _MAP:
            out[name] = extra_filter(dict(value)) if extra_filter is not None else dict(value)
        else:
            out[name] = value
    if record.extra:
        out.update(extra_filter(dict(record.extra)) if extra_filter is not None
                   else record.extra)
    return out


def _blank(value: Any) -> bool:
    """An object with no field set (``roles`` sent as ``null`` is an empty ``Roles``)."""
    return (attrs.has(type(value)) and not value.extra and not value.nulls
            and all(getattr(value, n) is None for n, _, _ in _spec(type(value))))
