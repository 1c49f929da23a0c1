"""Recipient numbers: the ways people write them, all sent as E.164."""

from __future__ import annotations

import pytest

from vxmlkit.sms.models import InvalidRecipientError, SmsConfigurationError
from vxmlkit.sms.phone import normalise_recipient, provider_digits, redact, scrub_number


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(222) 345-9789", "US", "+12223459789"),
        ("2223456789", "US", "+12223456789"),
        ("+1 222 345 9789", "US", "+12223459789"),
        ("tel:+12223459789", "US", "+12223459789"),
        ("TEL:+12223459789;ani=6175551234", "US", "+12223459789"),
        ("1-222-345-9789", "US", "+12223459789"),
        ("222.345.9789", "US", "+12223459789"),
        ("  (617) 712-3000  ", "US", "+16177123000"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("(222) 345-9789", "us", "+12223459789"),
    ],
)
def test_written_forms_become_e164(raw: str, region: str, expected: str) -> None:
    assert normalise_recipient(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "abc", "345-9789", "+1 222", "1-800-FLOWERS", "12345678901234567890", "tel:", "+", "2223456789 ext 12",
     "<script>", "+999 1234 5678", "9" * 200],
)
def test_unusable_numbers_raise_invalid_recipient(raw: str) -> None:
    with pytest.raises(InvalidRecipientError) as caught:
        normalise_recipient(raw)
    assert caught.value.reason == "invalid recipient"


@pytest.mark.parametrize("raw", [None, 2223456789, b"2223456789", ["2223456789"]])
def test_non_text_recipients_raise_invalid_recipient(raw: object) -> None:
    with pytest.raises(InvalidRecipientError):
        normalise_recipient(raw)  # type: ignore[arg-type]


def test_unknown_default_region_is_a_configuration_error() -> None:
    with pytest.raises(SmsConfigurationError, match="VXMLKIT_SMS_DEFAULT_REGION"):
        normalise_recipient("2223456789", "ZZ")


@pytest.mark.parametrize(
    ("number", "shown"),
    [("+12223459789", "***9789"), ("(222) 345-9789", "***9789"), ("1234", "***"), ("", "***"), (None, "***")],
)
def test_redact_keeps_only_the_last_four_digits(number: str | None, shown: str) -> None:
    assert redact(number) == shown


def test_provider_digits_keep_the_country_code() -> None:
    assert provider_digits("+12223459789") == "12223459789"
    assert provider_digits("+442079460958") == "442079460958"


def test_scrub_number_hides_every_written_form() -> None:
    text = "refused +12223459789, 12223459789 and 2223459789"
    scrubbed = scrub_number(text, "+12223459789")
    assert "2223459789" not in scrubbed
    assert scrubbed == "refused ***9789, ***9789 and ***9789"
