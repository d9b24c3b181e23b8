"""The one rule every Nova service binds by: loopback, or TLS with authentication, or --insecure.

A service on a loopback address is reachable from this host only. Anywhere
else it must encrypt (TLS) and know its callers (tokens or client
certificates); a user who wants neither says `--insecure`, and the service
records that choice in the audit log when it starts. Without one of these the
service refuses to start, with one line saying what to add.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from nova.core.errors import InputError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a name that could resolve anywhere is not loopback


@dataclass(frozen=True)
class Exposure:
    """How a service is reachable, as its start-up audit entry records it."""

    host: str
    loopback: bool
    tls: bool
    authenticated: bool
    insecure: bool  # served off loopback without TLS or authentication, as asked

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def check_bind(
    service: str,
    host: str,
    *,
    option: str,
    tls: bool,
    authenticated: bool,
    insecure: bool,
    needs: str,
) -> Exposure:
    """How `service` may bind `host`; InputError when it may not.

    `needs` says what the user would add, e.g. "--tls-cert, --tls-key and --tokens".
    """
    exposure = Exposure(host, is_loopback(host), tls, authenticated, insecure=False)
    if exposure.loopback or (tls and authenticated):
        return exposure
    if insecure:
        return replace(exposure, insecure=True)
    missing = " and ".join(
        what for what, present in (("TLS", tls), ("authentication", authenticated)) if not present
    )
    raise InputError(
        option,
        None,
        f"{service} on {host} (not loopback) needs {missing}: add {needs},"
        " or --insecure to serve without them (recorded in the audit log)",
    )
