"""Canonical models as JSON: the SNS message every vendor function reads, and order memory.

One encoder and one decoder per model, built once: a decoder compiles its type into a
parser, which is what makes decoding typed yet as fast as untyped JSON parsing.
"""

from __future__ import annotations

from typing import Any

import msgspec

from shoprelay.canonical.models import CanonicalModel

_ENCODER = msgspec.json.Encoder(decimal_format="string")
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def to_json(model: CanonicalModel) -> bytes:
    """Compact UTF-8 JSON; amounts as exact decimal strings, times as RFC 3339."""
    return _ENCODER.encode(model)


def to_json_text(model: CanonicalModel) -> str:
    return _ENCODER.encode(model).decode("utf-8")


def from_json[M: CanonicalModel](model: type[M], data: bytes | str) -> M:
    """Decode and check ``data`` as ``model``.

    Raises ``msgspec.DecodeError`` (``msgspec.ValidationError`` for a well-formed document
    of the wrong shape); :func:`shoprelay.problems.first_problem` names the problem.
    """
    decoder = _DECODERS.get(model)
    if decoder is None:
        decoder = _DECODERS[model] = msgspec.json.Decoder(model)
    result: M = decoder.decode(data)
    return result
