"""What a request carries into a call: posted fields within their limits, and recordings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answers import Refused

if TYPE_CHECKING:
    from ..extension import VxmlKit

__all__ = ["Recording", "START_FIELDS", "checked_fields"]

#: The fields of Plum's start_url request.
START_FIELDS = ("phone_number", "message_reference", "call_parameters", "call_id")


@dataclass(frozen=True)
class Recording:
    """A recording posted by ``<record>``: what a step receives for a :func:`~vxmlkit.record` input."""

    filename: str
    content_type: str
    data: bytes

    def __len__(self) -> int:
        return len(self.data)


def checked_fields(kit: VxmlKit, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` as a dict, refused (413) when a value or a recording is over its limit."""
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Recording):
            if len(value) > kit.max_recording_bytes:
                raise Refused(413, "bad_request", f"recording {name!r} is larger than {kit.max_recording_bytes} bytes")
        elif len(value) > kit.max_input_length:
            raise Refused(413, "bad_request",
                          f"field {name!r} is {len(value)} characters long (limit {kit.max_input_length})")
        checked[name] = value
    return checked
