"""The dashboard's forms: small, URL-encoded, each field given once and plausible."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from nova.core.errors import InputError

MAX_FORM = 16 * 1024


async def read_form(request: Request) -> dict[str, list[str]]:
    """A small URL-encoded form; anything else is refused in one line."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise InputError("request", None, "must be a form (application/x-www-form-urlencoded)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise InputError("request", None, f"the form is larger than {MAX_FORM} bytes")
    try:
        return parse_qs(body.decode("utf-8", "replace"), max_num_fields=50)
    except ValueError:
        raise InputError("request", None, "the form has too many fields") from None


def one(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name, [])
    if len(values) > 1:
        raise InputError(name, None, "given more than once")
    value = values[0] if values else ""
    if "\0" in value or len(value) > 1024:
        raise InputError(name, None, "is not a plausible value")
    return value
