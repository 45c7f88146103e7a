"""What a OneRoster server holds now, against what a dump holds: the ids a collection
lists (an ids-only listing, ``fields=sourcedId,status``, the field selection of the
OneRoster 1.1 and 1.2 REST bindings) and the records a dump lacks, each fetched by its id
(``users/{sourcedId}``). A fetch mends with them a collection the district changed while
it paged; a sync finds with them the records removed outright and those no delta brings.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import ApiError, FormatError
from .client import DEFAULT_LIMIT, OneRosterClient
from .rows import marked_deleted, record_id, without_credentials

__all__ = ["MAX_ABSENT_IN_A_ROW", "MAX_LEFT_OUT_SHARE", "MIN_RECOVERED", "live_ids",
           "recover_missing", "recovery_cap", "with_ids"]

log = logging.getLogger("rostergraph.oneroster")

#: The records of one collection always fetched one by one when the server lists ids a
#: dump lacks, however few requests paging the collection again would take (see
#: :func:`recovery_cap`): a few dozen requests cost seconds, a fetch of the district more.
MIN_RECOVERED = 50
#: The 404s in a row, when fetching such records by id, that end the recovery of the
#: collection: a server that serves no single records (or lists ids it does not hold)
#: would otherwise be asked for up to :func:`recovery_cap` records at every sync.
MAX_ABSENT_IN_A_ROW = 20
#: The largest share of a collection a fetch leaves out because a listing no longer holds
#: it (a record removed while the fetch paged): a fetch has no hold as a sync has, and a
#: listing that lies must not empty a fresh dump (the sync's default hold is 10 percent).
MAX_LEFT_OUT_SHARE = 0.10


def with_ids(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records that have a sourcedId, a whole number one made its text (``42`` →
    ``"42"``: the CSV files and the stored records hold text)."""
    out = []
    for r in records:
        sid = record_id(r)
        if sid is None:
            continue
        if r["sourcedId"] is not sid:
            r["sourcedId"] = sid
        out.append(r)
    return out


def live_ids(client: OneRosterClient, endpoint: str, limit: int,
              delta: list[dict[str, Any]], table: dict[str, dict[str, Any]]
              ) -> tuple[set[str] | None, str]:
    """The ids the server lists for a collection now (``fields=sourcedId,status``; a
    record listed as ``tobedeleted`` is no live one), or ``None`` and why the listing
    cannot be trusted to tell what went (the reason names no record and no secret): it
    failed, its ``X-Total-Count`` changed between pages (offset paging may then skip an
    id), it holds fewer ids than ``delta`` (the records a delta just sent) or than the
    server's ``X-Total-Count``, or none while ``table`` (the dump's records) is not
    empty."""
    live: set[str] = set()
    total: int | None = None
    moved = False
    items = 0  # records and items that are no record: what X-Total-Count counts
    try:
        for page in client.pages(endpoint, limit=limit, fields="sourcedId,status"):
            # (a server ignoring ``fields`` sends whole records: only the id is kept; a
            # record still listed but marked tobedeleted is no live one)
            live.update(r["sourcedId"] for r in with_ids(page.records)
                        if not marked_deleted(r))
            items += page.size
            total = page.total if page.total is not None else total
            moved = page.total_moved
    except (ApiError, FormatError) as exc:  # (TokenError and LimitError among them)
        return None, f"the id listing failed: {exc}"
    if moved:  # (paged by offset too: an id removed meanwhile moves one unseen)
        return None, ("the id listing changed while it was paged (its X-Total-Count "
                      "moved): an id may have shifted past a page boundary unseen")
    sent = {r["sourcedId"] for r in delta if not marked_deleted(r)}
    if not live and table:
        return None, f"the id listing held no ids while the dump holds {len(table):,} records"
    if len(live) < len(sent):
        return None, (f"the id listing held {len(live):,} ids, fewer than the "
                      f"{len(sent):,} records of the delta")
    if total is not None and items < total:
        return None, (f"the id listing held {items:,} items, fewer than the server's "
                      f"X-Total-Count of {total:,}")
    return live, ""


def recovery_cap(size: int, limit: int) -> int:
    """The most records of a collection of ``size`` records worth fetching one by one (one
    request each): the requests paging it again at ``limit`` records a page would take,
    and at least :data:`MIN_RECOVERED`. Past it, paging the collection again is cheaper
    than mending the dump record by record (and a dump that far from the server is no
    gap a page boundary left).

    Examples
    --------
    >>> recovery_cap(300, 100), recovery_cap(500_000, 100)
    (50, 5000)
    """
    return max(MIN_RECOVERED, _pages(size, limit))


def _pages(size: int, limit: int) -> int:
    """The requests listing ``size`` records ``limit`` a page takes (a limit of 0 or less
    is no page size: none counted)."""
    return -(-size // limit) if limit > 0 else 0


def recover_missing(client: OneRosterClient, endpoint: str, live: set[str],
                    table: dict[str, dict[str, Any]], *, limit: int = DEFAULT_LIMIT
                    ) -> list[dict[str, Any]]:
    """The records of the ids the server lists (``live``) that the dump (``table``) lacks,
    each fetched by its id: a record a fetch missed when a page boundary moved under it
    (a record removed before it while paging), or one whose ``dateLastModified`` is older
    than the mark, so that no delta brings it. More than :func:`recovery_cap` of them
    (``limit``: the page limit the collection is listed with) are not fetched: the log
    says to fetch the district again. A record the server no longer has (404,
    410) or marks ``tobedeleted`` adds nothing; a failing request, or
    :data:`MAX_ABSENT_IN_A_ROW` such answers in a row, ends the recovery of the collection
    (logged: a server may serve no single records)."""
    missing = sorted(s for s in live if s not in table)
    if not missing:
        return []
    cap = recovery_cap(len(live), limit)
    if len(missing) > cap:
        pages = _pages(len(live), limit)
        log.warning("%s: %d %s the server lists are not in the dump, more than the %d worth "
                    "fetching one by one (the %d listed are %d page%s of %d to fetch again); "
                    "fetch the district again", endpoint, len(missing), endpoint, cap,
                    len(live), pages, "" if pages == 1 else "s", limit)
        return []
    out: list[dict[str, Any]] = []
    absent = run = 0  # (run: the ids in a row that had no record of theirs)
    other = marked = 0  # (answered with another id's record; marked tobedeleted)
    for n, sid in enumerate(missing, 1):
        try:
            rec = client.record(endpoint, sid)
        except (ApiError, FormatError) as exc:  # (TokenError among them)
            log.warning("%s: fetching the records the dump lacks failed (%s); %d not "
                        "added", endpoint, exc, len(missing) - len(out))
            break
        absent += rec is None
        good = with_ids([rec]) if rec is not None else []
        # (a server ignoring the id, or a hostile one, answers another record: none of sid)
        stray = rec is not None and not (good and good[0]["sourcedId"] == sid)
        other += stray
        run = run + 1 if rec is None or stray else 0
        if run >= MAX_ABSENT_IN_A_ROW and n < len(missing):
            log.warning("%s: %d listed ids in a row had no record when asked for one by "
                        "one; the server may serve no single records: the other %d are "
                        "not asked for", endpoint, run, len(missing) - n)
            break
        if stray:
            continue
        if good and marked_deleted(good[0]):
            marked += 1
        elif good:
            out.append(without_credentials(good[0]))
    if other:
        log.warning("%s: %d listed ids the dump lacks were answered with another id's "
                    "record; not added", endpoint, other)
    if marked:  # (deleted since the listing, or a listing that sent no status)
        log.warning("%s: %d listed ids the dump lacks are marked tobedeleted; not added",
                    endpoint, marked)
    if absent:  # (removed since the listing, or a server that serves no single records)
        log.warning("%s: %d listed ids the dump lacks had no record when asked for one by "
                    "one (HTTP 404 or 410); not added", endpoint, absent)
    return out
