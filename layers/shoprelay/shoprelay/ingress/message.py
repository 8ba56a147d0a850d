"""How big an SNS message is as AWS counts it, and whether an event may travel inline.

SNS (and SQS, which receives the message with raw delivery) limits a message to 256 KiB
including its attributes: every attribute's name, data type and value count. moto checks
only the body, so a message that passes locally can still be refused by AWS; the count here
is AWS's.
"""

from __future__ import annotations

from collections.abc import Mapping

SNS_MESSAGE_LIMIT = 256 * 1024
DEAD_LETTER_RESERVE = 16 * 1024
"""Room kept free for the attributes a vendor function adds when it dead-letters the message
(reason and vendor error, up to 1,000 characters each, and seven short ones); without it an
event just under the limit could be relayed but never parked in a dead-letter queue."""
INLINE_LIMIT = SNS_MESSAGE_LIMIT - DEAD_LETTER_RESERVE

type MessageAttributes = Mapping[str, Mapping[str, object]]


def _value_size(attribute: Mapping[str, object]) -> int:
    value = attribute.get("StringValue", attribute.get("BinaryValue", b""))
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return len(value) if isinstance(value, bytes | bytearray) else 0


def message_size(message: str, attributes: MessageAttributes) -> int:
    """Bytes AWS counts for ``message`` published with ``attributes`` (UTF-8 throughout)."""
    size = len(message.encode("utf-8"))
    for name, attribute in attributes.items():
        size += len(name.encode("utf-8")) + len(str(attribute["DataType"]).encode("utf-8")) + _value_size(attribute)
    return size


def fits_inline(message: str, attributes: MessageAttributes) -> bool:
    """Whether the event can be the message itself; otherwise it is stored and referenced."""
    return message_size(message, attributes) <= INLINE_LIMIT
