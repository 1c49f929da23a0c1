"""Recipient numbers: written any way people write them, sent as E.164.

Validation is by length (``phonenumbers.is_possible_number``), not by numbering plan
(``is_valid_number``). The plan check rejects numbers whose area code is unassigned today, such
as the 222 of the documented example "(222) 345-9789", and numbering plans change faster than a
pinned metadata copy; the provider still has the last word ("Invalid 'to' phone number" becomes
an :class:`~vxmlkit.sms.models.InvalidRecipientError` too). Numbers that are only dialable
locally (a 7-digit US number) are refused: an SMS needs the full number.
"""

from __future__ import annotations

import contextlib
import re

import phonenumbers

from vxmlkit.sms.models import InvalidRecipientError, SmsConfigurationError

__all__ = ["normalise_recipient", "redact", "scrub_number", "provider_digits"]

# What people type in a phone number; letters (vanity numbers, "ext") are refused.
_ALLOWED = re.compile(r"^\+?[0-9 ()\-./]+$")
_MAX_INPUT = 64


def normalise_recipient(raw: str, default_region: str = "US") -> str:
    """Return ``raw`` as an E.164 number (``+12223459789``).

    Accepts "(222) 345-9789", "2223456789", "+1 222 345 9789" and "tel:+12223459789"
    (the ``tel:`` scheme and any ``;params`` are dropped). A number without a ``+`` is read in
    ``default_region`` (an ISO 3166 code such as "US" or "GB"). Anything unusable raises
    :class:`InvalidRecipientError` with the reason "invalid recipient", whatever the input.
    """
    region = default_region.upper() if isinstance(default_region, str) else ""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise SmsConfigurationError(
            f"unknown default region {default_region!r} for phone numbers (VXMLKIT_SMS_DEFAULT_REGION): "
            "use an ISO 3166 code such as 'US' or 'GB'"
        )
    if not isinstance(raw, str):
        raise InvalidRecipientError(detail=f"a phone number must be text, not {type(raw).__name__}")
    text = raw.strip()
    if text[:4].lower() == "tel:":
        text = text[4:].split(";", 1)[0].strip()
    if not text or len(text) > _MAX_INPUT or not _ALLOWED.match(text):
        raise InvalidRecipientError(detail="not a phone number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRecipientError(detail="not a phone number") from exc
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidRecipientError(detail="wrong number of digits for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def redact(number: str | None) -> str:
    """Hide all but the last 4 digits: ``+12223459789`` becomes ``***9789``."""
    digits = re.sub(r"\D", "", number or "")
    return "***" + digits[-4:] if len(digits) > 4 else "***"


def provider_digits(number: str) -> str:
    """An E.164 number without its ``+`` (``12223459789``): the country code stays, so a US
    number keeps its leading 1."""
    return number[1:] if number.startswith("+") else number


def scrub_number(text: str, number: str) -> str:
    """Replace every written form of ``number`` in ``text`` (E.164, without '+', national
    digits) by its redacted form; for provider messages that may echo the recipient."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 5:
        return text
    forms = {number, digits}
    with contextlib.suppress(phonenumbers.NumberParseException):
        forms.add(str(phonenumbers.parse(number, None).national_number))
    for form in sorted(forms, key=len, reverse=True):
        if len(re.sub(r"\D", "", form)) >= 5:
            text = text.replace(form, redact(number))
    return text
