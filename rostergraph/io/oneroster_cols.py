"""The names shared by the OneRoster CSV reader and writer: the ``extra`` keys and
extension columns they agree on, the columns of the 1EdTech OneRoster v1.1 and v1.2 CSV
Bindings, and how the reader matches a cell spelt in another case."""

from __future__ import annotations

from .mapping import CARRY_KEY

__all__ = ["CARRY_COLUMN", "DEMOGRAPHICS_PREFIX", "ORG_TYPES", "PREFIX", "PROFILES_KEY",
           "SPEC_COLUMNS", "USER_ID_COLUMN", "is_true", "org_type", "spec_renames"]

#: the prefix of the ``extra`` keys of OneRoster columns Clever has no field for
PREFIX = "oneroster."
#: the extension column of the Clever fields OneRoster has no column for (JSON)
CARRY_COLUMN = "metadata." + CARRY_KEY
#: the extension column that joins a 1.1 multi-role user's rows into one user
USER_ID_COLUMN = "metadata.rostergraph.userId"
#: the ``extra`` key prefix of the ``demographics.csv`` cells no Clever field holds
DEMOGRAPHICS_PREFIX = PREFIX + "demographics."
#: the ``extra`` key of a user's 1.2 ``userProfiles.csv`` rows (a list)
PROFILES_KEY = PREFIX + "userProfiles"


def is_true(v: str | None) -> bool:
    """Whether a OneRoster boolean cell says true (``true``, ``1``, ``yes``, any case)."""
    return (v or "").strip().lower() in ("true", "1", "yes")


#: The column names of the 1EdTech OneRoster v1.1 and v1.2 CSV bindings (the files read).
SPEC_COLUMNS = {c.lower(): c for c in (
    "propertyName", "value", "sourcedId", "status", "dateLastModified", "name", "type",
    "identifier", "parentSourcedId", "title", "startDate", "endDate", "schoolYear",
    "schoolYearSourcedId", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes",
    "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
    "termSourcedIds", "periods", "enabledUser", "orgSourcedIds", "role", "username", "userIds",
    "givenName", "familyName", "middleName", "email", "sms", "phone", "agentSourcedIds",
    "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
    "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    "userSourcedId", "roleType", "beginDate", "userProfileSourcedId", "classSourcedId",
    "primary", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
    "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
    "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
    "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus", "profileType",
    "vendorId", "applicationId", "description", "credentialType")}


#: OneRoster's org types (1.1 and 1.2), by their lowercase spelling
ORG_TYPES = {t.lower(): t for t in ("district", "school", "department", "local", "state",
                                     "national")}


def org_type(value: str | None) -> str:
    """An org's ``type`` as the spec spells it when it names one in another case
    (``"School"`` → ``"school"``), else stripped as it is."""
    typ = (value or "").strip()
    return ORG_TYPES.get(typ.lower(), typ)


def spec_renames(header: list[str]) -> dict[str, str]:
    """Header names that are a OneRoster column's in another case or with spaces around
    (``" SourcedID"``) → the spec's spelling; none that would repeat a column."""
    out: dict[str, str] = {}
    taken = set(header)
    for h in header:
        want = SPEC_COLUMNS.get(h.strip().lower())
        if want is not None and want != h and want not in taken:
            out[h] = want
            taken.add(want)
    return out
