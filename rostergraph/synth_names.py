"""The words generated districts are made of: names (UTF-8 among them), subjects and
their courses, contact relationships and types (a few outside Clever's enums, for the
quirks), grades, and the names a district's rates and counts may take
(:func:`check_shape`).

Examples
--------
>>> GRADES[0], len(GRADES)
('Kindergarten', 13)
"""

from __future__ import annotations

__all__ = ["FIRST", "GRADES", "LAST", "ODD_REL", "ODD_TYPE", "REL", "SUBJECTS", "TYPE",
           "check_shape"]

#: first and last names (UTF-8 among them)
FIRST = ("Ava", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sofía", "José", "Zoë", "Chloé",
         "Mia", "Lucas", "Amelia", "Ethan", "Harper", "Elijah", "Aaliyah", "Jayden", "Nguyễn",
         "Isabella", "Daniel", "Camila", "Ángel", "Aiden", "Ella", "Muhammad", "Fatima",
         "Wei", "Yuki", "Søren", "Björn", "Priya", "Arjun", "Kai", "Léa", "Oliver", "Grace",
         "Samuel", "Ximena", "Dmitri", "Zainab", "Hannah", "Owen", "Nora", "Emily", "Jack")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Garcia", "Rodriguez", "Martínez", "Lee",
        "Nguyen", "Kim", "Patel", "O'Brien", "Müller", "Kowalski", "Hernández", "López",
        "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Chen", "王",
        "Ivanov", "Dubois", "Rossi", "Yamamoto", "Cohen", "Okafor", "Haddad", "Singh",
        "Novak", "Silva", "Jensen", "Schmidt", "Clark", "Lewis", "Walker", "Young", "Allen")
#: subjects and their course names
SUBJECTS = (("Math", ("Algebra I", "Geometry", "Algebra II", "Pre-Calculus", "Math")),
            ("English", ("English Language Arts", "Reading", "Writing", "Literature")),
            ("Science", ("Biology", "Chemistry", "Physics", "Earth Science", "Science")),
            ("Social Studies", ("World History", "US History", "Civics", "Geography")),
            ("Arts", ("Art", "Band", "Choir", "Theater")),
            ("PE", ("Physical Education", "Health")),
            ("Languages", ("Spanish I", "French I", "Mandarin I", "Spanish II")))
#: contact relationships and types: Clever's values, and some outside its enums (quirks)
REL = ("Parent", "Parent", "Parent", "Grandparent", "Aunt/Uncle", "Aunt/Uncle", "Sibling", "Other")
TYPE = ("Parent/Guardian", "Parent/Guardian", "Emergency", "Primary", "Secondary", "Family")
ODD_REL = ("Mother", "guardian", "Step-father", "Foster Parent")
ODD_TYPE = ("guardian", "EMERG", "Custodial")
#: grades as Clever writes them
GRADES = ("Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")


#: the kinds a district's ``counts`` may set, and the least each may be
COUNT_MINIMUM = {"schools": 1, "teachers": 0, "sections": 0, "courses": 1, "staff": 0,
                 "admins": 0, "contacts": 0}


def check_shape(rates: dict[str, float], counts: dict[str, int], rate_names: list[str]) -> None:
    """Raise ``ValueError`` for a rate or count name that is not one (saying the names and
    the nearest) or a value out of range (saying the range).

    Examples
    --------
    >>> check_shape({}, {"school": 2}, [])
    Traceback (most recent call last):
    ...
    ValueError: unknown count 'school' (did you mean 'schools'? counts: schools, teachers, \
sections, courses, staff, admins, contacts)
    """
    names = list(dict.fromkeys(rate_names))
    for key, rate in rates.items():
        if key not in names:
            raise ValueError(_unknown("rate", key, names))
        if not 0 <= rate <= 1:
            raise ValueError(f"rate {key}={rate!r} is outside [0, 1]")
    for key, count in counts.items():
        if key not in COUNT_MINIMUM:
            raise ValueError(_unknown("count", key, list(COUNT_MINIMUM)))
        if int(count) < COUNT_MINIMUM[key]:
            raise ValueError(f"count {key}={count!r} is below its minimum, {COUNT_MINIMUM[key]}")


def _unknown(what: str, key: str, names: list[str]) -> str:
    import difflib

    near = difflib.get_close_matches(key, names, n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    return f"unknown {what} {key!r} ({hint}{what}s: {', '.join(names)})"
