"""DuckDB's ``read_csv`` over the CSV formats: the baseline of ``run.py --format``.

DuckDB loads the same OneRoster or Clever SFTP CSV files rostergraph loads and
answers the same questions (see ``engines.py``) in SQL, following the mapping of
``docs/formats.md`` for the parts the questions need:

- OneRoster: a user is the ``metadata.rostergraph.userId`` of its rows (else its
  ``sourcedId``); its roles come from ``role`` (parent/guardian/relative are
  contacts, administrator rows whose orgs are all non-districts are staff); a
  student's primary school is the first non-district org of its first student row;
  enrollments (role student/teacher) of existing classes link users to classes;
  contacts are linked through ``agentSourcedIds`` on either side;
- SFTP: students, teachers and staff are rows of their files (the first row of a
  student gives the primary school), staff rows belong to ``Clever_user_id`` when
  given, else to a teacher with the same email; sections' teachers are
  ``Teacher_id``, ``Teacher_2_id`` …; contacts are the ``Contact_*`` groups of
  ``students.csv`` (id: ``Contact_id``, else ``sftp-contact:<Contact_sis_id>``,
  else ``sftp-contact:<Student_id>:<k>``).

The rostergraph extension JSON columns (``metadata.rostergraph.clever``,
``rostergraph_records.csv``) may restore a Clever field the format has no column
for; the SQL reads the two that move answers: a student's ``school`` and
``schools``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines import Step, Timer

_STAFF_ROLES = "('aide', 'proctor', 'principal', 'counselor', 'siteAdministrator')"
_CONTACT_ROLES = "('parent', 'guardian', 'relative')"

# The questions on the tables u (id, is_student, is_teacher, is_staff, is_contact, home,
# staff_schools), schools (id), sec (id, school), enr (section, student), tea (section,
# teacher) and rel (contact, student): the same SQL as the JSON Lines baseline.
_REACH = """SELECT count(*) FROM (SELECT DISTINCT t.teacher, e.student
            FROM tea t JOIN enr e ON t.section = e.section)"""
_CROSS = """SELECT count(*), count(DISTINCT e.student) FROM enr e
            JOIN sec ON sec.id = e.section JOIN schools s1 ON s1.id = sec.school
            JOIN u ON u.id = e.student JOIN schools s2 ON s2.id = u.home
            WHERE sec.school <> u.home"""
_ORPHANS = """
  SELECT 'student/no_section', count(*) FROM u WHERE is_student
    AND id NOT IN (SELECT student FROM enr)
  UNION ALL SELECT 'teacher/no_section', count(*) FROM u WHERE is_teacher
    AND id NOT IN (SELECT teacher FROM tea)
  UNION ALL SELECT 'contact/no_student', count(*) FROM u WHERE is_contact
    AND id NOT IN (SELECT r.contact FROM rel r JOIN u s ON s.id = r.student
                   WHERE s.is_student)
  UNION ALL SELECT 'staff/no_school', count(*) FROM u WHERE is_staff
    AND id NOT IN (SELECT f.id FROM (SELECT id, unnest(staff_schools) AS school
                   FROM u WHERE is_staff) f JOIN schools ON schools.id = f.school)
"""


def _csv(path: Path) -> str:
    return f"read_csv('{path}', header=true, all_varchar=true, quote='\"', escape='\"')"


def _answers(t: Timer, q: Any, load: Any, build: Any) -> tuple[list[Step], dict[str, Any]]:
    t.run("load", load)
    t.run("build", build)
    r = t.run("reach", lambda: q(_REACH).fetchone()[0])
    cp, cs = t.run("cross_school", lambda: tuple(q(_CROSS).fetchone()))
    o = t.run("orphans", lambda: {k: int(v) for k, v in q(_ORPHANS).fetchall() if v})
    return t.steps, {"reach_pairs": int(r), "cross_pairs": int(cp), "cross_students": int(cs),
                     "orphans": o}


def run_duckdb_oneroster(data: Path, threads: int | None = None
                         ) -> tuple[list[Step], dict[str, Any]]:
    """DuckDB's ``read_csv`` on a OneRoster 1.1 bundle, then SQL."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    q = con.execute

    # (a bundle as an SIS exports it has no extension columns: NULL stands for them)
    cols = set(_header(data / "users.csv"))
    user_id, carry = (f'"{c}"' if c in cols else "NULL::VARCHAR" for c in (
        "metadata.rostergraph.userId", "metadata.rostergraph.clever"))

    def load() -> None:
        q(f"""CREATE TABLE users AS SELECT sourcedId, role, orgSourcedIds, agentSourcedIds,
              {user_id} AS user_id, {carry} AS carry
              FROM {_csv(data / "users.csv")}""")
        q(f"""CREATE TABLE enrollments AS SELECT classSourcedId, userSourcedId, role
              FROM {_csv(data / "enrollments.csv")}""")
        q(f"CREATE TABLE classes AS SELECT sourcedId, schoolSourcedId "
          f"FROM {_csv(data / 'classes.csv')}")
        q(f"CREATE TABLE orgs AS SELECT sourcedId, type FROM {_csv(data / 'orgs.csv')}")

    def build() -> None:
        q("CREATE TABLE schools AS SELECT DISTINCT sourcedId AS id FROM orgs WHERE type = 'school'")
        q("CREATE TABLE districts AS SELECT sourcedId AS id FROM orgs WHERE type = 'district'")
        # one row per user row: the user it belongs to, its role and its non-district orgs
        q("""CREATE TABLE ur AS SELECT row_number() OVER () AS n, sourcedId AS sid,
               coalesce(nullif(user_id, ''), sourcedId) AS uid, trim(role) AS role,
               list_filter(list_transform(string_split(coalesce(orgSourcedIds, ''), ','),
                                          lambda x: trim(x)),
                           lambda x: x <> '' AND NOT list_contains(d.ds, x)) AS orgs,
               len(list_filter(string_split(coalesce(orgSourcedIds, ''), ','),
                               lambda x: list_contains(d.ds, trim(x)))) AS n_districts,
               list_filter(list_transform(string_split(coalesce(agentSourcedIds, ''), ','),
                                          lambda x: trim(x)), lambda x: x <> '') AS agents,
               carry FROM users, (SELECT coalesce(list(id), []) AS ds FROM districts) d
             WHERE sourcedId IS NOT NULL AND sourcedId <> ''""")
        q("CREATE TABLE alias AS SELECT sid, first(uid ORDER BY n) AS uid FROM ur GROUP BY sid")
        q(f"""CREATE TABLE u AS SELECT uid AS id,
               bool_or(role = 'student') AS is_student, bool_or(role = 'teacher') AS is_teacher,
               bool_or(role IN {_STAFF_ROLES} OR (role = 'administrator' AND n_districts = 0))
                 AS is_staff,
               bool_or(role IN {_CONTACT_ROLES}) AS is_contact,
               coalesce(first(json_extract_string(carry, '$.roles.student.school') ORDER BY n)
                          FILTER (WHERE carry IS NOT NULL AND carry <> ''),
                        first(orgs[1] ORDER BY n) FILTER (WHERE role = 'student')) AS home,
               flatten(list(orgs ORDER BY n) FILTER (WHERE role IN {_STAFF_ROLES}
                 OR (role = 'administrator' AND n_districts = 0))) AS staff_schools
             FROM ur GROUP BY uid""")
        q("CREATE TABLE sec AS SELECT sourcedId AS id, schoolSourcedId AS school FROM classes")
        q("""CREATE TABLE e AS SELECT en.classSourcedId AS section,
               coalesce(a.uid, en.userSourcedId) AS usr, trim(en.role) AS role
             FROM enrollments en LEFT JOIN alias a ON a.sid = en.userSourcedId
             WHERE en.classSourcedId IN (SELECT id FROM sec)""")
        q("""CREATE TABLE enr AS SELECT DISTINCT section, usr AS student FROM e
             WHERE role = 'student' AND usr IN (SELECT id FROM u)""")
        q("""CREATE TABLE tea AS SELECT DISTINCT section, usr AS teacher FROM e
             WHERE role = 'teacher' AND usr IN (SELECT id FROM u)""")
        # agentSourcedIds on a contact's row name its students; on another row, its contacts
        q("""CREATE TABLE rel AS
             WITH links AS (SELECT ur.uid AS a, coalesce(al.uid, ag.agent) AS b FROM
                              (SELECT uid, unnest(agents) AS agent FROM ur) ag
                              JOIN ur ON ur.uid = ag.uid
                              LEFT JOIN alias al ON al.sid = ag.agent)
             SELECT DISTINCT l.a AS contact, l.b AS student FROM links l
               JOIN u c ON c.id = l.a WHERE c.is_contact
             UNION SELECT DISTINCT l.b AS contact, l.a AS student FROM links l
               JOIN u c ON c.id = l.b JOIN u s ON s.id = l.a
               WHERE c.is_contact AND NOT s.is_contact""")

    return _answers(Timer(), q, load, build)


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig") as fh:
        return [c.strip() for c in fh.readline().rstrip("\r\n").split(",")]


def run_duckdb_sftp(data: Path, threads: int | None = None) -> tuple[list[Step], dict[str, Any]]:
    """DuckDB's ``read_csv`` on a Clever SFTP CSV folder, then SQL."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    q = con.execute
    student_cols = _header(data / "students.csv")
    groups = [k for k in range(1, 100)
              if ("Contact_" if k == 1 else f"Contact_{k}_") + "id" in student_cols]
    teacher_cols = [c for c in _header(data / "sections.csv")
                    if c == "Teacher_id" or (c.startswith("Teacher_") and c.endswith("_id"))]
    has_staff = (data / "staff.csv").exists()
    has_records = (data / "rostergraph_records.csv").exists()
    # (staff rows name their user in an extension column, absent from a plain export)
    staff_user = ("s.Clever_user_id" if has_staff and "Clever_user_id" in _header(
        data / "staff.csv") else "NULL")

    def load() -> None:
        contact_cols = ", ".join(
            f'"{pre}{f}"' for k in groups
            for pre in ["Contact_" if k == 1 else f"Contact_{k}_"] for f in ("id", "sis_id"))
        q(f"""CREATE TABLE students AS SELECT row_number() OVER () AS n, Student_id, School_id
              {', ' + contact_cols if contact_cols else ''}
              FROM {_csv(data / "students.csv")}""")
        q(f"""CREATE TABLE teachers AS SELECT row_number() OVER () AS n, Teacher_id, School_id,
              Teacher_email FROM {_csv(data / "teachers.csv")}""")
        if has_staff:
            q(f"""CREATE TABLE staff AS SELECT row_number() OVER () AS n, * FROM
                  {_csv(data / "staff.csv")}""")
        q(f"""CREATE TABLE sections AS SELECT Section_id, School_id, {", ".join(teacher_cols)}
              FROM {_csv(data / "sections.csv")}""")
        q(f"CREATE TABLE enrollments AS SELECT Section_id, Student_id "
          f"FROM {_csv(data / 'enrollments.csv')}")
        q(f"CREATE TABLE schools AS SELECT DISTINCT School_id AS id "
          f"FROM {_csv(data / 'schools.csv')} WHERE School_id <> ''")
        if has_records:
            q(f"""CREATE TABLE records AS SELECT Kind, Id, Clever_json
                  FROM {_csv(data / "rostergraph_records.csv")} WHERE Kind = 'users'""")
        else:
            q("CREATE TABLE records (Kind VARCHAR, Id VARCHAR, Clever_json VARCHAR)")

    def build() -> None:
        # a user's rows: (n orders rows within a file; files in reading order)
        parts = [("SELECT 1 AS f, n, Student_id AS id, 'student' AS role, School_id AS school "
                 "FROM students WHERE coalesce(Student_id, '') <> ''"),
                 ("SELECT 2, n, Teacher_id, 'teacher', School_id FROM teachers "
                 "WHERE coalesce(Teacher_id, '') <> ''")]
        q("CREATE TABLE ur AS " + " UNION ALL ".join(parts))
        if has_staff:
            q("""CREATE TABLE emails AS SELECT Teacher_email AS email,
                   first(Teacher_id ORDER BY n) AS id FROM (
                     SELECT Teacher_id, first(Teacher_email ORDER BY n) AS Teacher_email,
                            min(n) AS n FROM teachers WHERE coalesce(Teacher_id, '') <> ''
                     GROUP BY Teacher_id) WHERE coalesce(Teacher_email, '') <> ''
                 GROUP BY Teacher_email""")
            q(f"""INSERT INTO ur SELECT 3, s.n, CASE
                   WHEN coalesce({staff_user}, '') <> '' THEN {staff_user}
                   WHEN s.Staff_id IN (SELECT id FROM ur) THEN s.Staff_id
                   WHEN e.id IS NOT NULL THEN e.id ELSE s.Staff_id END, 'staff', s.School_id
                 FROM staff s LEFT JOIN emails e ON e.email = s.Staff_email
                 WHERE coalesce(s.Staff_id, '') <> ''""")
        groups_sql = []
        for k in groups:
            pre = "Contact_" if k == 1 else f"Contact_{k}_"
            groups_sql.append(
                f"""SELECT Student_id AS student, CASE
                      WHEN coalesce("{pre}id", '') <> '' THEN "{pre}id"
                      WHEN coalesce("{pre}sis_id", '') <> '' THEN 'sftp-contact:' || "{pre}sis_id"
                      ELSE 'sftp-contact:' || Student_id || ':{k}' END AS contact
                    FROM first_rows WHERE coalesce("{pre}id", '') <> ''
                      OR coalesce("{pre}sis_id", '') <> ''""")
        q("""CREATE TABLE first_rows AS SELECT * FROM students WHERE n IN
             (SELECT min(n) FROM students WHERE coalesce(Student_id, '') <> ''
              GROUP BY Student_id)""")
        q("CREATE TABLE rel AS " + (" UNION ".join(groups_sql) if groups_sql else
                                     "SELECT NULL::VARCHAR AS student, NULL::VARCHAR AS contact"
                                     " WHERE false"))
        q("""CREATE TABLE u0 AS SELECT id, bool_or(role = 'student') AS is_student,
               bool_or(role = 'teacher') AS is_teacher, bool_or(role = 'staff') AS is_staff,
               false AS is_contact,
               first(school ORDER BY f, n) FILTER (WHERE role = 'student'
                                                    AND coalesce(school, '') <> '') AS home,
               list(school ORDER BY f, n) FILTER (WHERE role = 'staff'
                                                   AND coalesce(school, '') <> '')
                 AS staff_schools
             FROM ur GROUP BY id
             UNION ALL SELECT DISTINCT contact, false, false, false, true, NULL, NULL FROM rel""")
        q("""CREATE TABLE u1 AS SELECT id, bool_or(is_student) AS is_student,
               bool_or(is_teacher) AS is_teacher, bool_or(is_staff) AS is_staff,
               bool_or(is_contact) AS is_contact, first(home) FILTER (WHERE home IS NOT NULL)
               AS home, first(staff_schools) FILTER (WHERE staff_schools IS NOT NULL)
               AS staff_schools FROM u0 GROUP BY id""")
        # the extension records: fields SFTP has no column for, and whole users
        q("""CREATE TABLE u AS SELECT coalesce(u1.id, r.Id) AS id,
               coalesce(u1.is_student, false) OR coalesce(json_exists(r.js, '$.roles.student'), false)
                 AS is_student,
               coalesce(u1.is_teacher, false) OR coalesce(json_exists(r.js, '$.roles.teacher'), false)
                 AS is_teacher,
               coalesce(u1.is_staff, false) OR coalesce(json_exists(r.js, '$.roles.staff'), false)
                 AS is_staff,
               coalesce(u1.is_contact, false) OR coalesce(json_exists(r.js, '$.roles.contact'), false)
                 AS is_contact,
               coalesce(json_extract_string(r.js, '$.roles.student.school'), u1.home) AS home,
               CASE WHEN coalesce(json_exists(r.js, '$.roles.staff.schools'), false)
                    THEN json_extract_string(r.js, '$.roles.staff.schools[*]')
                    ELSE u1.staff_schools END AS staff_schools
             FROM u1 FULL JOIN (SELECT Id, first(Clever_json) AS js FROM records GROUP BY Id) r
               ON r.Id = u1.id""")
        q("""CREATE TABLE sec AS SELECT Section_id AS id, first(School_id) AS school,
               first([x for x in [""" + ", ".join(teacher_cols) + """] if coalesce(x, '') <> ''])
               AS teachers FROM sections WHERE coalesce(Section_id, '') <> ''
             GROUP BY Section_id""")
        q("""CREATE TABLE enr AS SELECT DISTINCT e.Section_id AS section, e.Student_id AS student
             FROM enrollments e JOIN sec ON sec.id = e.Section_id
             WHERE e.Student_id IN (SELECT id FROM u)""")
        q("""CREATE TABLE tea AS SELECT DISTINCT t.section, t.teacher FROM
             (SELECT id AS section, unnest(teachers) AS teacher FROM sec) t
             WHERE t.teacher IN (SELECT id FROM u)""")

    return _answers(Timer(), q, load, build)
