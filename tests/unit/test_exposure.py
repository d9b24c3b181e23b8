"""The bind rule every service shares, decided without starting anything."""

from __future__ import annotations

import pytest

from nova.core.errors import InputError
from nova.core.exposure import check_bind, is_loopback


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost", "LOCALHOST"]
)
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "10.0.0.5", "node1", "localhost.evil.example", ""]
)
def test_everything_else_is_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def bind(host: str, tls: bool = False, auth: bool = False, insecure: bool = False) -> object:
    return check_bind(
        "the queue", host, option="--host", tls=tls, authenticated=auth, insecure=insecure,
        needs="--tls-cert and --tokens",
    )  # fmt: skip


def test_loopback_serves_as_asked_and_is_never_marked_insecure() -> None:
    assert bind("127.0.0.1", insecure=True).insecure is False  # type: ignore[attr-defined]


def test_off_loopback_needs_both_tls_and_authentication() -> None:
    assert bind("0.0.0.0", tls=True, auth=True).insecure is False  # type: ignore[attr-defined]
    for tls, auth, missing in ((False, False, "TLS and authentication"), (True, False,
                               "authentication"), (False, True, "TLS")):  # fmt: skip
        with pytest.raises(InputError) as caught:
            bind("0.0.0.0", tls=tls, auth=auth)
        message = str(caught.value)
        assert f"the queue on 0.0.0.0 (not loopback) needs {missing}: add" in message
        assert message.startswith("--host")


def test_insecure_is_the_explicit_way_out_and_says_so() -> None:
    exposure = bind("10.0.0.5", tls=True, insecure=True)
    assert exposure.to_dict() == {  # type: ignore[attr-defined]
        "host": "10.0.0.5",
        "loopback": False,
        "tls": True,
        "authenticated": False,
        "insecure": True,
    }
