"""Live OneRoster districts: a OneRoster 1.1 / 1.2 REST client, dump folders and sync.

- :class:`OneRosterClient` — httpx client with OAuth 2.0 client credentials or
  OAuth 1.0a signatures, ``limit``/``offset`` paging, filters and fields, and
  the Clever client's rate limiter and retry policy
  (:mod:`rostergraph.oneroster.client`, :mod:`rostergraph.oneroster.auth`).
- :func:`fetch_oneroster` — a whole district into a resumable dump folder that
  :func:`rostergraph.load` reads as a OneRoster CSV bundle
  (:mod:`rostergraph.oneroster.dump`; REST records become CSV rows in
  :mod:`rostergraph.oneroster.rows`, so the CSV reader's mapping applies).
- :func:`sync_oneroster` — a ``dateLastModified`` delta applied to a dump
  folder, with sync holds and an audit file (:mod:`rostergraph.oneroster.sync`).

See ``docs/oneroster-api.md`` for vendor set-up and the mapping.

Examples
--------
>>> from rostergraph.oneroster import detect_version
>>> detect_version("https://sis.test/ims/oneroster/v1p1")
'1.1'
"""

from __future__ import annotations

from .auth import (
    DEFAULT_ENV_PREFIX,
    ClientCredentials,
    OAuth1Signer,
    OAuth2ClientCredentials,
    oauth1_signature,
    read_credentials,
    signature_base_string,
)
from .client import (
    DEFAULT_LIMIT,
    ENDPOINTS,
    VERSION_PATHS,
    OneRosterClient,
    OneRosterPage,
    detect_version,
)
from .dump import OneRosterFetchResult, fetch_oneroster, read_dump_manifest
from .rows import flatten_record, rest_to_rows
from .sync import AUDIT_LOG, OneRosterSyncResult, sync_oneroster

__all__ = [
    "AUDIT_LOG",
    "DEFAULT_ENV_PREFIX",
    "DEFAULT_LIMIT",
    "ENDPOINTS",
    "VERSION_PATHS",
    "ClientCredentials",
    "OAuth1Signer",
    "OAuth2ClientCredentials",
    "OneRosterClient",
    "OneRosterFetchResult",
    "OneRosterPage",
    "OneRosterSyncResult",
    "detect_version",
    "fetch_oneroster",
    "flatten_record",
    "oauth1_signature",
    "read_credentials",
    "read_dump_manifest",
    "rest_to_rows",
    "signature_base_string",
    "sync_oneroster",
]
