"""The per-user files of a OneRoster bundle: ``demographics.csv`` and ``userProfiles.csv``.

``demographics.csv`` rows go onto their users (see :func:`read_demographics`).

OneRoster 1.2 ``userProfiles.csv``: app profiles, kept per user in ``extra``.

Clever has no field for a user's profiles in other applications, so the
OneRoster reader keeps each row (without ``userSourcedId``, empty cells and the
credential's ``password``) in the user's ``extra["oneroster.userProfiles"]``,
a list, and notes how many rows it kept and how many passwords it left out.
Nothing here is a roster relation.
"""

from __future__ import annotations

from typing import Any

from ..model import parse_date
from .csv_rowchecks import is_secret_column, row_text
from .enrollcols import respelt_message
from .oneroster_cols import DEMOGRAPHICS_PREFIX, PROFILES_KEY, is_boolean, is_true
from .oneroster_delta_files import base_user, without_demographics
from .oneroster_delta_roles import in_file_order

__all__ = ["STUDENT_CELLS", "DemographicsState", "demographics_target", "put_demographics",
           "read_demographics", "read_user_profiles"]


_RACE_COLS = {"americanIndianOrAlaskaNative": "American Indian", "asian": "Asian",
              "blackOrAfricanAmerican": "Black or African American",
              "nativeHawaiianOrOtherPacificIslander": "Hawaiian or Other Pacific Islander",
              "white": "Caucasian"}
_SEX = {"male": "M", "female": "F", "other": "X", "unspecified": "X"}


def _user_of(r: Any, file: str, line: int, column: str, sid: str,
             row: dict[str, str]) -> Any:
    """The parked user a row of ``file`` is for: the user ``sid`` names, or the one it
    names only once spaces around ids are ignored (read so, with a problem, as every other
    OneRoster reference), or, in a delta read with a base, the base's user of that id the
    delta's ``users.csv`` does not send (see :func:`base_user`); ``None`` (with a problem
    keeping the row's text, passwords left out) when none."""
    u = r.users.get(r.alias.get(sid, sid))
    if u is None and sid:
        got = r.match("users", sid)
        u = r.users.get(r.alias.get(got, got))
        if u is None and r.base is not None:  # (a row is a record: its user unchanged)
            u = base_user(r, got, line)
        if u is not None and got != sid:
            r.b.problem("other", respelt_message(column, sid, got), file=file, line=line,
                        kind="users", record_id=got, field=column, raw=sid)
    if u is None:
        what = "demographics" if file == "demographics.csv" else "user profile"
        r.b.problem("other", f"{what} for unknown user {sid!r}; not loaded (the row is in "
                    "raw)", file=file, line=line, kind="users", record_id=sid,
                    raw=row_text(row))
    return u


def read_demographics(r: Any) -> None:
    """Put each ``demographics.csv`` row on its user (``r`` is the OneRoster reader): a
    student's birth date, sex, race and ethnicity go to its student role, other columns
    (and every column of a non-student) to ``extra`` as ``oneroster.demographics.<column>``,
    and so do the cells those fields cannot say: the race columns that are true for a
    student of two or more races, ``sex=unspecified`` (Clever's ``X`` is also ``other``),
    a race or ethnicity cell that is no boolean (``Y``, ``Unknown``: the field is then left
    unset), the row's ``status`` and ``dateLastModified``."""
    seen: set[str] = set()
    users, alias = r.users, r.alias
    state = DemographicsState()
    for line, row in r.rows("demographics.csv", "users"):
        get = row.get
        sid = get("sourcedId") or get("userSourcedId") or ""
        if sid in seen:  # as users.csv: the first row is kept
            r.b.problem("duplicate_id", f"duplicate demographics id {sid!r}: the first row "
                        "is kept", file="demographics.csv", line=line, kind="users",
                        record_id=sid, raw=row_text(row))
            continue
        if sid:
            seen.add(sid)
        u = users.get(alias.get(sid, sid))
        if u is None:
            column = "sourcedId" if get("sourcedId") else "userSourcedId"
            u = _user_of(r, "demographics.csv", line, column, sid, row)
            if u is None:
                continue
        if r.base is not None:  # (what a delta delivered: see apply_delta)
            if u["id"] in r.from_base:  # (the row is the record: the base's goes)
                without_demographics(u)
            r.delivered.setdefault(("demographics", u["id"]), line)
        put_demographics(r, u, row, line, sid, state)
    odd = state.odd
    if odd:
        first, more = min(odd), len(odd) - 1
        cols = sorted({col for cells in odd.values() for col in cells})
        r.b.problem("other", f"{len(odd):,} row{'s' if more else ''} (line {first}"
                    + (f" and {more:,} more" if more else "") + f") of demographics.csv "
                    f"hold{'' if more else 's'} race or ethnicity cells that are no boolean "
                    f"({', '.join(cols)}): they say no race or ethnicity, and are kept as given "
                    "in the students' extra 'oneroster.demographics.<column>'",
                    file="demographics.csv", line=first, kind="users", field=odd[first][0])


class DemographicsState:
    """What :func:`put_demographics` keeps between the rows of one file: answers that
    depend on a few cells only, worked out once, and the rows told at the end."""

    __slots__ = ("bad_date", "keys", "odd", "plans")

    def __init__(self) -> None:
        self.bad_date: dict[str, bool] = {}  # birthDate cell → it is no date
        #: what a row's cells but its birth date give a student (:func:`_student_fields`)
        self.plans: dict[Any, tuple[dict[str, str | None], frozenset[str],
                                    tuple[str, ...]]] = {}
        self.odd: dict[int, tuple[str, ...]] = {}  # line → its race/ethnicity cells no boolean
        self.keys: dict[str, str] = {}  # column → its key in extra


def demographics_target(u: dict[str, Any]) -> dict[str, Any]:
    """The dict of user dict ``u`` a demographics row's cells go to: its student role's,
    or the user's own (``extra``) for a user that is no student."""
    st = u.get("roles", {}).get("student")
    return st if st is not None else u


def put_demographics(r: Any, u: dict[str, Any], row: dict[str, str], line: int, sid: str,
                     state: DemographicsState) -> None:
    """Demographics row ``row`` (of ``line``, naming ``sid``) put on user dict ``u`` (see
    :func:`read_demographics`), a birth date that is no date told."""
    get = row.get
    target = demographics_target(u)
    st = target if target is not u else None
    consumed = _IDS  # (a bulk row's status and date are kept)
    dob = get("birthDate", get("birthdate"))
    if dob:
        bad = state.bad_date.get(dob)
        if bad is None:
            bad = state.bad_date[dob] = parse_date(dob) is None
        if bad:  # (as the SFTP reader's DOB: kept, and said)
            r.b.problem("other", "birthDate is not a date (OneRoster dates: YYYY-MM-DD); "
                        "kept as given (the cell is in raw: a student's birth date is "
                        "never in a message), left out of ISO 8601 outputs",
                        file="demographics.csv", line=line, kind="users",
                        record_id=sid, field="birthDate", raw=dob)
    if st is not None:
        key = _student_key(get, bool(dob))
        plan = state.plans.get(key)
        if plan is None:
            plan = state.plans[key] = _student_fields(get, bool(dob))
        fields, consumed, no_boolean = plan
        for field, given in fields.items():
            st[field] = dob if given is None else given
        if no_boolean:
            state.odd[line] = no_boolean
    keys = state.keys
    for col, v in row.items():
        if col not in consumed and v != "":
            k = keys.get(col)
            if k is None:
                k = keys[col] = DEMOGRAPHICS_PREFIX + col
            target[k] = v


_IDS = frozenset({"sourcedId", "userSourcedId"})
#: The demographics.csv cells that give a student's fields, but its birth date.
STUDENT_CELLS = ("sex", *_RACE_COLS, "demographicRaceTwoOrMoreRaces",
                  "hispanicOrLatinoEthnicity")


def _student_key(get: Any, dob: bool) -> Any:
    """What :func:`_student_fields` depends on, of a row (``get``: its cells') with or
    without a birth date: the rows with the same key give the same student fields."""
    return (dob, *map(get, STUDENT_CELLS))


def _student_fields(get: Any, dob: bool
                    ) -> tuple[dict[str, str | None], frozenset[str], tuple[str, ...]]:
    """The student fields a demographics row (``get``: its cells') gives, in the order they
    are set (``None``: its birth date, when it has one), the columns they take (not kept
    in extra), and its race and ethnicity columns whose cell is no boolean (``Y``,
    ``Unknown``: kept in extra, and told): all but the birth date depends on
    :data:`STUDENT_CELLS` only."""
    st: dict[str, str | None] = {}
    consumed = set(_IDS)
    if dob:
        st["dob"] = None
        consumed |= {"birthDate", "birthdate"}
    sex = (get("sex") or "").strip()
    if sex:
        st["gender"] = _SEX.get(sex.lower(), sex)
        if sex.lower() != "unspecified":  # (X is also 'other': the cell says which)
            consumed.add("sex")
    races = [col for col in _RACE_COLS if is_true(get(col))]
    # (a cell that is no boolean, ``Y`` or ``Unknown``, says no race: kept as it is)
    said = {col for col in _RACE_COLS if is_boolean(get(col))}
    no_boolean = tuple(col for col in STUDENT_CELLS[1:] if (get(col) or "").strip()
                       and not is_boolean(get(col)))
    if "demographicRaceTwoOrMoreRaces" not in no_boolean:  # (else kept: it was lost)
        consumed |= {"demographicRaceTwoOrMoreRaces"}
    if is_true(get("demographicRaceTwoOrMoreRaces")) or len(races) > 1:
        st["race"] = "Two or More Races"
        consumed |= said - set(races)  # which races: the cells say
    else:
        if races:
            st["race"] = _RACE_COLS[races[0]]
        consumed |= said
    h = get("hispanicOrLatinoEthnicity")
    if (h or "").strip() and is_boolean(h):  # (else no answer: the cell is kept)
        st["hispanic_ethnicity"] = "Y" if is_true(h) else "N"
        consumed.add("hispanicOrLatinoEthnicity")
    return st, frozenset(consumed), no_boolean


def read_user_profiles(r: Any) -> None:
    """Put each ``userProfiles.csv`` row into its user's extra (``r`` is the OneRoster
    reader: ``rows``, ``users``, ``alias`` and the builder ``b``)."""
    kept = secrets = 0
    live: dict[str, int] = {}  # (a delta's: each profile id's last row)
    for line, row in r.rows("userProfiles.csv", "users"):
        usid = row.get("userSourcedId") or ""
        u = _user_of(r, "userProfiles.csv", line, "userSourcedId", usid, row)
        if u is None:
            continue
        if r.base is not None:
            r.delivered.setdefault(("userProfiles", u["id"]), line)
            live[(row.get("sourcedId") or "").strip()] = line
        prof = {k: v for k, v in row.items()
                if not is_secret_column(k) and k != "userSourcedId" and v != ""}
        secrets += any(bool(v) for k, v in row.items() if is_secret_column(k))
        u.setdefault(PROFILES_KEY, []).append(prof)
        kept += 1
    if r.base is not None:  # (a row given and deleted: followed in file order)
        in_file_order(r, "userProfiles", None, live)
    if kept or secrets:
        r.b.notes.append(f"userProfiles.csv: {kept} profiles kept in the users' extra "
                         f"{PROFILES_KEY!r}"
                         + (f"; {secrets} password{'s' if secrets != 1 else ''} not kept"
                            if secrets else ""))
