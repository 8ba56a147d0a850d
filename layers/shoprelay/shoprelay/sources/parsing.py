"""What every source's adapter does alike: decode a body against its model, read times and landing pages.

A body is decoded straight into the platform's typed model (msgspec, lax so numbers sent as
text still read), and whatever fails is told to the shop as one :class:`PayloadError` with
the first problem's path, in the same words whichever platform sent it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msgspec

from shoprelay.problems import first_problem
from shoprelay.sources.errors import PayloadError


def lax_decoder(model: type[Any]) -> msgspec.json.Decoder[Any]:
    """A decoder for ``model`` that also takes numbers and booleans written as text, as shops send them."""
    return msgspec.json.Decoder(model, strict=False)


def decode_body(decoder: msgspec.json.Decoder[Any], body: bytes) -> Any:
    """``body`` as the decoder's model; :class:`PayloadError` naming the first problem otherwise."""
    try:
        return decoder.decode(body)
    except UnicodeDecodeError:
        raise PayloadError("", "body is not UTF-8") from None
    except RecursionError:
        # msgspec descends into every array and object, also in fields nobody reads, and
        # stops at the interpreter's recursion limit: no shop's order nests that deep.
        raise PayloadError("", "body nests arrays or objects too deeply") from None
    except msgspec.DecodeError as error:
        problem = first_problem(error)
        if problem.kind == "json_invalid":
            raise PayloadError("", f"body is not valid JSON ({problem.message})") from None
        if problem.kind == "type":
            raise PayloadError(problem.path, "must be a JSON object") from None
        raise PayloadError(problem.path, problem.message) from None


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a time without a zone is taken to be UTC already."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def landing_params(landing: str) -> dict[str, str]:
    """The landing page's query parameters, the first value of each.

    Shops pass the address on as the browser sent it. One that ``urlsplit`` refuses (an
    unclosed IPv6 bracket) still has a readable query, and must not cost the order its
    attribution, so its query is then cut out by hand.
    """
    try:
        query = urlsplit(landing).query
    except ValueError:
        query = landing.partition("#")[0].partition("?")[2]
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key, value)
    return params
