"""The words generated districts are made of: names (UTF-8 among them), subjects and
their courses, contact relationships and types (a few outside Clever's enums, for the
quirks), and grades.

Examples
--------
>>> GRADES[0], len(GRADES)
('Kindergarten', 13)
"""

from __future__ import annotations

__all__ = ["FIRST", "GRADES", "LAST", "ODD_REL", "ODD_TYPE", "REL", "SUBJECTS", "TYPE"]

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
