"""Live OneRoster districts: a OneRoster 1.1 / 1.2 REST client, dump folders and sync.

- :class:`OneRosterClient` — httpx client with OAuth 2.0 client credentials or
  OAuth 1.0a signatures, ``limit``/``offset`` paging, filters and fields, and
  the Clever client's rate limiter and retry policy
  (:mod:`rostergraph.oneroster.client`, :mod:`rostergraph.oneroster.auth`).

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
    Credentials,
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

__all__ = [
    "DEFAULT_ENV_PREFIX",
    "DEFAULT_LIMIT",
    "ENDPOINTS",
    "VERSION_PATHS",
    "Credentials",
    "OAuth1Signer",
    "OAuth2ClientCredentials",
    "OneRosterClient",
    "OneRosterPage",
    "detect_version",
    "oauth1_signature",
    "read_credentials",
    "signature_base_string",
]
