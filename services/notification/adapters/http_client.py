"""The HTTP client that webhooks and the SMS gateway share: a small pool of keep-alive
connections, sized to the number of sends in flight.

Why small: httpcore checks every pooled connection for expiry on every request (a `getpeername`
and a readability poll each), so a pool larger than the sends in flight costs CPU per request
and buys nothing. (`sniffio` is a dependency for the same reason: without it, httpcore retried
its import a few times per request; see bench/README.md, notification section.)
"""

from __future__ import annotations

import httpx


def delivery_client(timeout_s: float, connections: int,
                    keepalive_expiry_s: float = 30.0) -> httpx.AsyncClient:
    """An httpx client with at most `connections` connections, all kept alive between sends."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections,
                          keepalive_expiry=keepalive_expiry_s)
    return httpx.AsyncClient(timeout=timeout_s, limits=limits)
