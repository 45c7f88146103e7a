"""Student privacy: one policy object for everything the library writes.

A :class:`PrivacyPolicy` (alias :data:`Privacy`) says how people appear in a
report, a Table's CSV/JSON, a diff, a plot or a converted roster:

``full``
    Values as they are (reports already show ids, never names).
``redacted``
    Names, emails, dates of birth, phone numbers, addresses, sis/state ids,
    credentials and free-text ``ext``/``extra`` values of **students and
    contacts** become :data:`MARK`. Teachers, staff and admins keep theirs
    unless ``redact_staff=True``. Record ids stay (they are needed to act on a
    finding).
``pseudonymized``
    Everything ``redacted`` hides, for every person, plus: every person id
    (user ids, legacy ids, student/teacher references) and every name becomes
    a stable keyed pseudonym: ``HMAC-SHA256(key, domain, value)``. The same
    key gives the same pseudonyms in every run, so two reports line up and
    can be diffed; without the key nothing can be reversed.

Whatever the mode, the sensitive demographic fields (:data:`SENSITIVE_FIELDS`:
ELL, IEP, FRL, gifted and Section 504 status, disability, race, ethnicity, gender,
date of birth, home language and its code, GPA) are dropped unless named in
``include_fields``, and so are the credentials a record's ``extra`` may hold
(``password``, ``api_token``, ...). A student's ``preferred_name`` is a name like ``name``.

A policy is *bound* to a roster (:meth:`PrivacyPolicy.bind`) to know which
ids are people, who is a student or contact, and which names, emails and sis
ids to scrub from free text. See ``docs/privacy.md``.

Examples
--------
>>> import rostergraph
>>> r = rostergraph.sample()
>>> p = PrivacyPolicy("pseudonymized", key=b"k" * 32).bind(r)
>>> p.id("5f7a57d00000000000000028").startswith("anon-")
True
>>> p.id("5f7a5c000000000000000001")   # a school id is not a person
'5f7a5c000000000000000001'
>>> PrivacyPolicy("redacted").apply_text("mail ann@example.org now")
'mail [redacted] now'
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .privacy_key import _MIN_KEY, DEFAULT_KEY_ENV, DEFAULT_KEY_FILE_ENV, load_key

if TYPE_CHECKING:
    from .roster import Roster
    from .table import Table

__all__ = ["DEFAULT_KEY_ENV", "DEFAULT_KEY_FILE_ENV", "MARK", "MODES", "SENSITIVE_FIELDS",
           "Privacy", "PrivacyPolicy", "load_key"]

#: The privacy modes, least to most protective of ids.
MODES: tuple[str, ...] = ("full", "redacted", "pseudonymized")
#: What a redacted value becomes.
MARK = "[redacted]"
#: Demographic fields dropped from every output unless included by name.
SENSITIVE_FIELDS: frozenset[str] = frozenset({
    "ell_status", "iep_status", "frl_status", "race", "hispanic_ethnicity", "gender", "dob",
    "home_language", "gpa", "unweighted_gpa", "weighted_gpa",
    # Clever API v3.1 (``disability`` is the whole object: status, type and code)
    "gifted_status", "section_504_status", "disability", "home_language_code",
})

# user fields that stay in redacted/pseudonymized output (references, grades, titles, times)
_KEEP_LEAVES = frozenset({
    "district", "school", "schools", "grade", "graduation_year", "title", "department",
    "created", "last_modified", "relationship", "type", "phone_type", "roles", "start_date",
    "end_date",
})
_ID_LEAVES = frozenset({"id", "legacy_id", "student"})
_SIS_LEAVES = frozenset({"sis_id", "state_id", "student_number", "teacher_number", "staff_id",
                         "district_username"})
# Table columns that hold person ids / names / emails / other personal values
PERSON_ID_COLUMNS = frozenset({
    "user", "users", "student", "students", "teacher", "teachers", "contact", "staff",
    "admin", "district_admin", "teachers_0", "viewer", "person", "user_id", "student_id",
    "teacher_id", "contact_id", "legacy_id", "old_user", "new_user",
})
#: Columns of the query tables holding ids of places and sections (shown in every mode; ids
#: are per kind, so a person may have the same id).
PLACE_ID_COLUMNS = frozenset({"section", "school", "primary_school", "term", "course", "district"})
PERSON_NAME_COLUMNS = frozenset({
    "first", "middle", "last", "name_first", "name_middle", "name_last", "full_name",
    "user_name", "student_name", "teacher_name", "contact_name", "person_name",
})
PERSON_VALUE_COLUMNS = frozenset({
    "email", "user_email", "student_email", "teacher_email", "contact_email", "phone",
    "address", "sis_id", "state_id", "student_number", "teacher_number", "staff_id",
    "district_username",
})

#: The OneRoster reader's note listing users not loaded because of status tobedeleted.
_DELETED_NOTE = re.compile(r"users: \d+ rows with status tobedeleted not loaded: (.*)$")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
_PHONE = re.compile(r"\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b")
_WORD = re.compile(r"\w+")
_ID_TOKEN = re.compile(r"\w(?:[\w:.-]*\w)?")
_SCAN = re.compile(rf"(?P<email>{_EMAIL.pattern})|(?P<phone>{_PHONE.pattern})|"
                   rf"(?P<date>{_DATE.pattern})|(?P<tok>{_ID_TOKEN.pattern})")


class PrivacyPolicy:
    """How people appear in everything rostergraph writes.

    Parameters
    ----------
    mode:
        ``"full"``, ``"redacted"`` or ``"pseudonymized"``.
    redact_staff:
        In ``redacted`` mode, hide teachers', staff's and admins' names and contact
        details too (refused in ``full`` mode, which would show them).
    include_fields:
        Sensitive demographic fields (:data:`SENSITIVE_FIELDS`) to keep.
    key:
        Pseudonym key (bytes or str, at least 16 bytes). Default:
        :func:`load_key`, else a random key for this policy only.

    Raises
    ------
    ValueError
        An unknown mode or field, a short key, ``redact_staff`` in full mode.

    Examples
    --------
    >>> p = PrivacyPolicy("pseudonymized", key="a key of sixteen+")
    >>> p.pseudonym("u1") == PrivacyPolicy("pseudonymized", key="a key of sixteen+").pseudonym("u1")
    True
    >>> p.pseudonym("u1") == PrivacyPolicy("pseudonymized", key="another key 12345").pseudonym("u1")
    False
    """

    def __init__(self, mode: str = "full", *, redact_staff: bool = False,
                 include_fields: Iterable[str] = (), key: bytes | str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown privacy mode {mode!r}; expected one of {', '.join(MODES)}")
        fields = frozenset(include_fields)
        unknown = fields - SENSITIVE_FIELDS
        if unknown:
            raise ValueError(f"not a sensitive field: {', '.join(sorted(unknown))} (choose from "
                             f"{', '.join(sorted(SENSITIVE_FIELDS))})")
        if "gpa" in fields:
            fields |= {"unweighted_gpa", "weighted_gpa"}
        if redact_staff and mode == "full":  # (it would show the staff it was asked to hide)
            raise ValueError("redact_staff hides staff in redacted mode: 'full' shows them")
        if isinstance(key, str):
            key = key.encode()
        if key is None and mode == "pseudonymized":
            key = load_key()
        if key is not None and len(key) < _MIN_KEY:
            raise ValueError(f"pseudonym key is shorter than {_MIN_KEY} bytes")
        self.mode = mode
        self.redact_staff = bool(redact_staff)
        self.include_fields = fields
        self.random_key = key is None
        self._key = key if key is not None else secrets.token_bytes(32)
        self._bound = False
        self._people: set[str] = set()        # every person id
        self._protected: set[str] = set()     # ids whose values are hidden in redacted mode
        self._tokens: dict[str, str] = {}     # free-text token → replacement
        self._visible: set[str] = set()       # emails of staff shown as they are
        self._dated = False                   # any date of birth / phone number to hide
        self._short: dict[str, str] = {}      # apply_text of short strings
        self._cache: dict[tuple[str, str], str] = {}

    # -- facts ------------------------------------------------------------------------
    @property
    def is_full(self) -> bool:
        """Is this ``full`` mode (values shown as they are, demographics still dropped)?"""
        return self.mode == "full"

    @property
    def drop_fields(self) -> frozenset[str]:
        """The sensitive fields this policy drops."""
        return SENSITIVE_FIELDS - self.include_fields

    def __repr__(self) -> str:
        inc = f", include_fields={sorted(self.include_fields)}" if self.include_fields else ""
        return (f"PrivacyPolicy({self.mode!r}, redact_staff={self.redact_staff}{inc}, "
                f"key={'random' if self.random_key else 'given'})")

    # -- pseudonyms -------------------------------------------------------------------
    def pseudonym(self, value: str, domain: str = "id") -> str:
        """The keyed pseudonym of ``value`` in ``domain`` (``id``, ``name``, ``email``, ``sis``).

        Examples
        --------
        >>> p = PrivacyPolicy("pseudonymized", key=b"0123456789abcdef")
        >>> p.pseudonym("x@example.org", "email").endswith("@pseudonym.invalid")
        True
        """
        hit = self._cache.get((domain, value))
        if hit is not None:
            return hit
        h = hmac.digest(self._key, f"{domain}\x00{value}".encode("utf-8", "surrogatepass"),
                        "sha256").hex()
        if domain == "id":
            out = "anon-" + h[:20]
        elif domain == "email":
            out = h[:16] + "@pseudonym.invalid"
        elif domain == "sis":  # (80 bits as ids: 48 made ~2 collisions per 1M students)
            out = "sis-" + h[:20]
        elif domain == "enrollment":  # (ids again: millions must not collide in 40 bits)
            out = "enrollment-" + h[:20]
        else:
            out = f"{domain}-{h[:10]}"
        if len(self._cache) < 4_000_000:
            self._cache[(domain, value)] = out
        return out

    def unbound(self) -> PrivacyPolicy:
        """A copy with the same mode, options and key, bound to nothing (one per district).

        Examples
        --------
        >>> p = PrivacyPolicy("pseudonymized", key=b"k" * 16)
        >>> p.unbound().pseudonym("u1") == p.pseudonym("u1")
        True
        """
        return PrivacyPolicy(self.mode, redact_staff=self.redact_staff,
                             include_fields=self.include_fields, key=self._key)

    def key_fingerprint(self) -> str:
        """A keyed hash that tells two keys apart without revealing either (32 hex digits).

        Stored beside pseudonymized output (``batch`` results) so a rerun can tell
        whether it used the same key; the key itself is never stored.

        Examples
        --------
        >>> a = PrivacyPolicy("pseudonymized", key=b"k" * 16)
        >>> a.key_fingerprint() == PrivacyPolicy("pseudonymized", key=b"k" * 16).key_fingerprint()
        True
        >>> a.key_fingerprint() == PrivacyPolicy("pseudonymized", key=b"j" * 16).key_fingerprint()
        False
        """
        return hmac.digest(self._key, b"rostergraph: pseudonym key fingerprint",
                           "sha256").hex()[:32]

    def __getstate__(self) -> dict[str, Any]:  # send only the settings to workers
        return {"mode": self.mode, "redact_staff": self.redact_staff,
                "include_fields": self.include_fields, "key": self._key,
                "random_key": self.random_key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["mode"], redact_staff=state["redact_staff"],  # type: ignore[misc]
                      include_fields=state["include_fields"], key=state["key"])
        self.random_key = state["random_key"]

    # -- binding ----------------------------------------------------------------------
    def bind(self, source: Any) -> PrivacyPolicy:
        """This policy, told which ids are people in ``source`` (Roster, graph or report).

        Binding several sources (``bind(old).bind(new)``) adds to what is known.
        In ``full`` mode binding does nothing. Returns ``self``.

        Examples
        --------
        >>> import rostergraph
        >>> p = PrivacyPolicy("redacted").bind(rostergraph.sample())
        >>> p.apply_text("contact Jonas Weber")
        'contact [redacted] [redacted]'
        """
        roster = getattr(source, "roster", source)
        if self.is_full or roster is None:
            return self
        self._bound = True
        self._short.clear()
        pseudo = self.mode == "pseudonymized"
        tokens = self._tokens
        for u in roster.users.values():
            roles = u.roles
            protected = roles.student is not None or roles.contact is not None
            self._people.add(u.id)
            hide = pseudo or protected or self.redact_staff
            if protected:
                self._protected.add(u.id)
            for role in (roles.student, roles.teacher, roles.staff, roles.district_admin,
                         roles.contact):
                lid = getattr(role, "legacy_id", None) if role is not None else None
                if lid:
                    self._people.add(lid)
            if roles.contact is not None:
                for rel in roles.contact.student_relationships or ():
                    if rel.student:
                        self._people.add(rel.student)
                        self._protected.add(rel.student)
            if not hide:
                self._visible.update(e for e in (u.email, getattr(roles.teacher, "email", None))
                                     if e)
                continue
            self._add_person_values(tokens, u, pseudo)
        for s in roster.sections.values():
            for t in ((s.teacher,) + tuple(s.teachers or ())):
                if t:
                    self._people.add(t)
            for st in s.students or ():
                self._people.add(st)
                self._protected.add(st)
        self._bind_mentioned(roster)
        for d in roster.districts.values():
            dc = d.district_contact
            if dc is not None:
                if dc.id:
                    self._people.add(dc.id)
                if pseudo or self.redact_staff:
                    self._add_values(tokens, (dc.email,), "email", pseudo)
                    if dc.name is not None:
                        self._add_names(tokens, (dc.name.first, dc.name.middle, dc.name.last))
        if pseudo or self.redact_staff:
            for sc in roster.schools.values():
                pr = sc.principal
                if pr is not None:
                    self._add_values(tokens, (pr.email,), "email", pseudo)
                    self._add_names(tokens, (pr.name,))
        return self

    def _bind_mentioned(self, roster: Any) -> None:
        """People the roster names without a user record: the record ids of problems
        about users (a demographics row for an unknown user, a user that did not
        load) and the users a OneRoster bundle marked ``tobedeleted`` (listed in the
        provenance notes). Their ids are shown like any other person's."""
        for pr in roster.problems:
            rid = getattr(pr, "record_id", None)
            if rid and getattr(pr, "kind", None) == "users":
                self._people.add(rid)
                self._protected.add(rid)
        for note in getattr(roster.provenance, "notes", ()) or ():
            m = _DELETED_NOTE.match(note)
            if m:
                for rid in m.group(1).removesuffix(" …").split(", "):
                    if rid and not rid.startswith("line "):
                        self._people.add(rid)
                        self._protected.add(rid)

    def _add_person_values(self, tokens: dict[str, str], u: Any, pseudo: bool) -> None:
        for name in (u.name, getattr(u.roles.student, "preferred_name", None)):
            if name is not None:
                self._add_names(tokens, (name.first, name.middle, name.last))
        emails = [u.email]
        sis: list[str | None] = []
        other: list[str | None] = []
        for role in (u.roles.student, u.roles.teacher, u.roles.staff, u.roles.contact):
            if role is None:
                continue
            emails.append(getattr(role, "email", None))
            for f in _SIS_LEAVES:
                sis.append(getattr(role, f, None))
            cred = getattr(role, "credentials", None)
            if cred is not None:
                sis.append(cred.district_username)
            other += [getattr(role, "dob", None), getattr(role, "phone", None)]
            loc = getattr(role, "location", None)
            if loc is not None:
                other += [loc.address]
        self._add_values(tokens, emails, "email", pseudo)
        self._add_values(tokens, sis, "sis", pseudo)
        self._add_values(tokens, other, "", False)
        if any(other):
            self._dated = True

    def _add_values(self, tokens: dict[str, str], values: Iterable[str | None], domain: str,
                    pseudo: bool) -> None:
        for v in values:
            if v and len(v) > 1:
                tokens[v] = self.pseudonym(v, domain) if pseudo and domain else MARK

    @staticmethod
    def _add_names(tokens: dict[str, str], parts: Iterable[str | None]) -> None:
        for part in parts:
            if part:
                for w in _WORD.findall(part):
                    if not w.isdigit():
                        tokens[w] = MARK

    def enrollment_cell(self, column: str, role: str, value: str) -> str:
        """How an enrollment cell that a section keeps from OneRoster (``value`` of
        ``column`` for a ``role``'s enrollment) is shown: as it is or as the mark
        (:func:`~rostergraph.privacy_enrollments.cell_shown`; a diff names a changed cell
        by its value).

        Examples
        --------
        >>> PrivacyPolicy("redacted").enrollment_cell("metadata.note", "student", "moved")
        '[redacted]'
        """
        if self.is_full:
            return value
        from .privacy_enrollments import cell_shown

        return cell_shown(self, column, role, value, MARK)

    def is_person(self, value: str) -> bool:
        """Is ``value`` a person id of a bound roster?"""
        return value in self._people

    # -- values -----------------------------------------------------------------------
    def id(self, value: str) -> str:
        """How a record id is shown: a pseudonym for a person id in ``pseudonymized``
        mode (every id, when no roster is bound), else the id itself.

        Examples
        --------
        >>> PrivacyPolicy("redacted").id("u1")
        'u1'
        """
        if self.mode != "pseudonymized" or not isinstance(value, str):
            if self._bound and value in self._protected and not self.is_full:
                return self.apply_text(value)  # an id made of a sis id (SFTP CSV contacts)
            return value
        if self._bound and value not in self._people:
            return value
        return self.pseudonym(value)

    def person_id(self, value: Any) -> Any:
        """A value known to be a person id (column or field says so)."""
        if self.mode != "pseudonymized" or not isinstance(value, str) or not value:
            return value
        return self.pseudonym(value)

    def apply_text(self, text: str) -> str:
        """Free text with people's ids, names, emails, sis ids, dates and phone numbers
        hidden (nothing changes in ``full`` mode). Emails, dates and phone numbers are
        found by pattern even when no roster is bound.

        Examples
        --------
        >>> PrivacyPolicy("redacted").apply_text("born 9/15/2010, call (541) 555-0133")
        'born [redacted], call [redacted]'
        """
        if self.is_full or not text:
            return text
        if len(text) <= 40:  # enum values, field names, ids: seen again and again
            hit = self._short.get(text)
            if hit is None:
                hit = self._apply_text(text)
                if len(self._short) < 200_000:
                    self._short[text] = hit
            return hit
        return self._apply_text(text)

    def _apply_text(self, text: str) -> str:
        tokens = self._tokens
        pseudo = self.mode == "pseudonymized"
        bound = self._bound
        people = self._people if pseudo else ()
        get = tokens.get
        fast = self._fast(text, tokens, people)
        if fast is not None:
            return fast

        def word(m: re.Match[str]) -> str:
            w = m.group()
            hit = get(w)
            if hit is not None:
                return hit
            return self.pseudonym(w) if w in people else w

        def scan(m: re.Match[str]) -> str:
            v = m.group()
            hit = get(v)
            if hit is not None:
                return hit
            kind = m.lastgroup
            if kind == "tok":
                if v in people:
                    return self.pseudonym(v)
                if tokens and not v.isalnum():  # "Quintero-Lund", "a.b": look at the words
                    return _WORD.sub(word, v)
                return v
            if kind == "email":
                if bound and not pseudo:
                    return v if self._staff_value(v) else MARK
                return self.pseudonym(v, "email") if pseudo else MARK
            return v if bound else MARK  # dates and phone numbers: only the roster's own

        return _SCAN.sub(scan, text)

    def _fast(self, text: str, tokens: dict[str, str], people: Any) -> str | None:
        """The common case without a Python call per word: no email, no date or phone
        number to hide, and every hit a whole token that no other token contains.
        ``None`` when the full scan is needed."""
        if "@" in text:
            return None
        if (not self._bound or self._dated) and (_DATE.search(text) or _PHONE.search(text)):
            return None
        toks = set(_ID_TOKEN.findall(text))
        hits = [t for t in toks if t in tokens or t in people]
        if tokens:
            for t in toks:
                if not t.isalnum() and not tokens.keys().isdisjoint(_WORD.findall(t)):
                    return None
        for h in hits:
            if any(h != t and h in t for t in toks):
                return None
        if not hits:
            return text
        # one pass: a hit replaced one by one was found again inside the pseudonyms put in
        # before it ("1" in "anon-cf41…")
        new = {h: tokens.get(h) or self.pseudonym(h) for h in hits}
        return re.sub("|".join(map(re.escape, sorted(hits, key=len, reverse=True))),
                      lambda m: new[m.group()], text)

    def _staff_value(self, v: str) -> bool:
        # an email of a bound roster's staff member whose values stay visible
        return v in self._visible

    def value(self, column: str, value: Any) -> Any:
        """One cell of a Table column, by what the column holds."""
        if value is None or self.is_full:
            return value
        col = column.lower()
        if isinstance(value, (list, tuple)):
            return [self.value(column, v) for v in value]
        if isinstance(value, Mapping):  # e.g. a finding's values: each by its own key
            return {k: self.value(str(k), v) for k, v in value.items()}
        if not isinstance(value, str):
            if col in PERSON_VALUE_COLUMNS or col in PERSON_NAME_COLUMNS:
                return MARK
            return value
        if col in PERSON_ID_COLUMNS:
            # redacted: an id that is a student's sis id is hidden, as in reports
            show = self.person_id if self.mode == "pseudonymized" else self.id
            if " " in value:
                return " ".join(show(v) for v in value.split(" "))
            return show(value)
        if col in PERSON_NAME_COLUMNS:
            return self._name_cell(value)
        if col in PERSON_VALUE_COLUMNS:
            if self.mode == "pseudonymized":
                return self.pseudonym(value, "email" if "email" in col else "sis")
            return MARK
        if col in PLACE_ID_COLUMNS:
            return value  # (shown in every mode, whatever person has the same id)
        if value in self._people:
            return self.id(value)
        if col in ("ids",) and self.mode == "pseudonymized":
            return " ".join(self.id(v) for v in value.split(" "))
        return self.apply_text(value)

    def _name_cell(self, value: str) -> str:
        return self.pseudonym(value, "name") if self.mode == "pseudonymized" else MARK

    # -- tables -----------------------------------------------------------------------
    def apply_table(self, table: Table) -> Table:
        """A copy of ``table`` under this policy: sensitive demographic columns dropped
        (every mode, unless included), person columns pseudonymized or redacted, other
        text scrubbed.

        Examples
        --------
        >>> from rostergraph.table import Table
        >>> t = Table({"student": ["s1"], "gender": ["F"], "email": ["a@b.org"]})
        >>> PrivacyPolicy("redacted").apply_table(t).to_dicts()
        [{'student': 's1', 'email': '[redacted]'}]
        """
        from .table import Table

        cols: dict[str, Any] = {}
        for name in table.columns:
            if name.lower() in self.drop_fields:
                continue
            col = table[name]
            if self.is_full or col.dtype != object:
                cols[name] = col
                continue
            uniq: dict[Any, Any] = {}
            out = np.empty(len(col), dtype=object)
            for i, v in enumerate(col.tolist()):
                key = v if isinstance(v, (str, type(None))) else None
                if key is not None and key in uniq:
                    out[i] = uniq[key]
                    continue
                new = self.value(name, v)
                if isinstance(v, tuple) and isinstance(new, list):
                    new = tuple(new)
                if key is not None:
                    uniq[key] = new
                out[i] = new
            cols[name] = out
        return Table(cols, name=table.name)

    # -- records ----------------------------------------------------------------------
    def apply_record(self, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """A record dict (as :func:`rostergraph.model.record_to_dict` gives it) under
        this policy. ``kind`` is ``users``, ``sections``, ``districts``, ``schools``, ...

        Examples
        --------
        >>> d = {"id": "u1", "name": {"first": "Ann", "last": "Lee"}, "email": "a@b.org",
        ...      "roles": {"student": {"school": "sc1", "dob": "1/2/2010", "sis_id": "9"}}}
        >>> PrivacyPolicy("redacted").apply_record("users", d)
        {'id': 'u1', 'name': {'first': '[redacted]', 'last': '[redacted]'}, 'email': '[redacted]', 'roles': {'student': {'school': 'sc1', 'sis_id': '[redacted]'}}}
        """
        # (no mode writes a credential a JSON source's extra holds, of any record; the
        # readers load when a record is first written, as for sections below)
        from .io.credentials import without_credentials
        from .privacy_extras import extras_scrubbed

        kind = kind if kind.endswith("s") else kind + "s"
        d = without_credentials(_drop_sensitive(record, self.drop_fields))
        if self.is_full:
            return d
        pseudo = self.mode == "pseudonymized"
        if kind == "users":
            roles = d.get("roles") or {}
            protected = isinstance(roles, dict) and ("student" in roles or "contact" in roles)
            if not (pseudo or protected or self.redact_staff):
                return extras_scrubbed(self, d)  # (its fields shown: a vendor's text is not)
            uid = d.get("id") if isinstance(d.get("id"), str) else ""
            return self._hide(d, (), uid)
        d = extras_scrubbed(self, d)
        if kind == "sections":
            if pseudo:
                if isinstance(d.get("teacher"), str):
                    d["teacher"] = self.person_id(d["teacher"])
                for f in ("teachers", "students"):
                    if isinstance(d.get(f), list):
                        d[f] = [self.person_id(v) for v in d[f]]
            # (it reads the readers' keys: the readers load when a section is first hidden)
            from .privacy_enrollments import section_people

            return section_people(self, d, MARK)
        hide_staff = pseudo or self.redact_staff
        if kind == "districts" and isinstance(d.get("district_contact"), dict) and hide_staff:
            dc = d["district_contact"]
            d["district_contact"] = {
                k: (self._hide(v, ("name",), str(dc.get("id", ""))) if k == "name"
                    else self.person_id(v) if k == "id"
                    else v if k in ("district", "title") else self._leaf(k, v, ""))
                for k, v in dc.items()}
        if kind == "schools" and isinstance(d.get("principal"), dict) and hide_staff:
            d["principal"] = {k: (self._name_cell(v) if k == "name" and isinstance(v, str)
                                  else self._leaf(k, v, "")) for k, v in d["principal"].items()}
        return d

    def _hide(self, value: Any, path: tuple[str, ...], uid: str) -> Any:
        if isinstance(value, dict):
            return {k: self._hide(v, path + (k,), uid) for k, v in value.items()}
        if path and (path[0] == "name" or "preferred_name" in path):
            if value is None:  # an explicit null hides nothing
                return None
            if not isinstance(value, str):
                return MARK
            if self.mode == "pseudonymized":
                part = path[-1] if path[0] == "name" else f"preferred_name.{path[-1]}"
                return self.pseudonym(f"{uid}\x00{part}", "name")
            return MARK
        leaf = path[-1] if path else ""
        if isinstance(value, list):
            if leaf in _KEEP_LEAVES or leaf in ("teachers", "students"):
                return value if leaf in _KEEP_LEAVES else [self.person_id(v) for v in value]
            return [self._hide(v, path, uid) for v in value]
        # an included field is shown as it is, an included object (``disability``) whole
        if (leaf in _KEEP_LEAVES or (self.include_fields and not self.include_fields.isdisjoint(
                path))) and "ext" not in path:
            return value
        return self._leaf(leaf, value, uid, top=len(path) == 1)

    def _leaf(self, leaf: str, value: Any, uid: str, top: bool = False) -> Any:
        if value is None:
            return None
        pseudo = self.mode == "pseudonymized"
        if leaf in _ID_LEAVES and isinstance(value, str):
            return self.person_id(value)
        if pseudo and isinstance(value, str) and value:
            if leaf == "email":
                return self.pseudonym(value, "email")
            if leaf in _SIS_LEAVES:
                return self.pseudonym(value, "sis")
        return MARK

    def apply_roster(self, roster: Roster) -> Roster:
        """A new Roster with every record under this policy; problems keep their
        codes and places, their messages scrubbed and raw text dropped.

        Examples
        --------
        >>> import rostergraph
        >>> r = rostergraph.sample()
        >>> safe = PrivacyPolicy("redacted").bind(r).apply_roster(r)
        >>> len(safe.users) == len(r.users), safe.users["5f7a57d00000000000000028"].email
        (True, '[redacted]')
        """
        import attrs

        from .model import RECORD_CLASSES, record_from_dict, record_to_dict
        from .roster import Roster

        if not self._bound:
            self.bind(roster)
        kinds: dict[str, list[Any]] = {}
        for kind, cls in RECORD_CLASSES.items():
            out = []
            for rec in roster.records(kind).values():
                d = self.apply_record(kind, record_to_dict(rec))
                out.append(record_from_dict(cls, d)[0])
            kinds[kind] = out
        problems = [attrs.evolve(p, message=self.apply_text(p.message), raw=None,
                                 record_id=self.id(p.record_id) if p.record_id else None)
                    if attrs.has(type(p)) else p for p in roster.problems]
        return Roster(problems=problems, provenance=roster.provenance, **kinds)

    def apply_error(self, error: BaseException) -> str:
        """The text of ``error`` under this policy: in ``pseudonymized`` mode the record
        id it names is pseudonymized (also inside its message) and its message
        scrubbed; other modes show it as it is.

        Examples
        --------
        >>> from rostergraph.errors import FormatError
        >>> err = FormatError("bad email of s9", path="users.jsonl", line=3, record_id="s9")
        >>> "s9" in PrivacyPolicy("pseudonymized", key=b"k" * 16).apply_error(err)
        False
        """
        from .errors import FormatError

        if self.mode != "pseudonymized" or not isinstance(error, FormatError):
            return str(error)
        rid = error.record_id
        msg = self.apply_text(error.message)
        if rid:
            msg = msg.replace(rid, self.person_id(rid))
        safe = FormatError(msg, path=error.path, line=error.line, column=error.column,
                           field=error.field,
                           record_id=self.person_id(rid) if rid else None)
        return str(safe)

    # -- reports ----------------------------------------------------------------------
    def text_policy(self) -> Any:
        """A :class:`rostergraph.report.TextPolicy` that renders through this policy."""
        from .report import TextPolicy, record_ids
        from .safety import terminal_text as _escape

        policy = self

        class _Policy(TextPolicy):
            privacy = policy

            def id(self, value: str) -> str:
                return _escape(policy.id(value))

            def text(self, value: str) -> str:
                return _escape(policy.apply_text(value))

            def message(self, finding: Any) -> str:
                # apply_text finds whole person ids itself (one regex pass, no per-finding
                # compile); ids it cannot see as one token are replaced first, before
                # apply_text hides a name or sis id inside them and they go unseen
                msg = finding.message
                if policy.mode == "pseudonymized":
                    for i in sorted(record_ids(finding), key=len, reverse=True):
                        if i in msg and not _ID_TOKEN.fullmatch(i) and policy.is_person(i):
                            msg = msg.replace(i, policy.id(i))
                return _escape(policy.apply_text(msg))

        if self.is_full:
            p = TextPolicy()
            p.privacy = self  # type: ignore[attr-defined]
            return p
        return _Policy()

    def apply_report(self, report: Any) -> Any:
        """``report`` set to render under this policy (bound to its roster); returns it.

        Examples
        --------
        >>> import rostergraph
        >>> rep = rostergraph.validate(rostergraph.sample(), select="RG-STU")
        >>> p = PrivacyPolicy("pseudonymized", key=b"k" * 16)
        >>> "5f7a57d00000000000000014" in p.apply_report(rep).to_markdown()
        False
        """
        self.bind(report.graph)
        report.policy = self.text_policy()
        report.privacy = self
        return report


#: Short name for :class:`PrivacyPolicy`.
Privacy = PrivacyPolicy


def _drop_sensitive(value: Any, drop: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_sensitive(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [_drop_sensitive(v, drop) for v in value]
    return value
