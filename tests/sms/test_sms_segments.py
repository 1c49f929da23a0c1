"""Segment counts: GSM-7 160/153 with two-septet extension characters, UCS-2 70/67 in UTF-16
code units."""

from __future__ import annotations

import pytest

from vxmlkit.sms.models import InvalidMessageError, SmsError
from vxmlkit.sms.segments import GSM7_BASIC, GSM7_EXTENSION, check_text, count_segments, encoding_of


def test_alphabet_sizes() -> None:
    # 128 code points less the escape; 10 extension characters.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Your receipt: 42.10 USD", "GSM-7"),
        ("Prix: 10€ [reçu]", "UCS-2"),  # ç is not in the default alphabet (Ç is)
        ("Prix: 10€ [Ç] {ok} ~ ^ | \\", "GSM-7"),
        ("Grüße aus Köln, Ñoño, Øresund", "GSM-7"),
        ("back`tick", "UCS-2"),
        ("Thanks 😀", "UCS-2"),
        ("Ελλάδα", "UCS-2"),  # lower-case Greek is not in the alphabet
        ("ΔΦΓΛΩΠΨΣΘΞ", "GSM-7"),
    ],
)
def test_encoding_of(text: str, encoding: str) -> None:
    assert encoding_of(text) == encoding


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        # extension characters count two septets
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("a" * 159 + "[", 2),
        ("a" * 158 + "[", 1),
        # an escape pair is never split: 152 + 2 does not fit a 153-septet part
        ("a" * 152 + "€" + "a" * 7, 2),
        ("a" * 152 + "€" + "a" * 152, 3),
        ("a" * 151 + "€" + "a" * 153, 2),
        # UCS-2
        ("ç" * 70, 1),
        ("ç" * 71, 2),
        ("ç" * 134, 2),
        ("ç" * 135, 3),
        # an emoji is two UTF-16 code units
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("ç" * 69 + "😀", 2),
        ("ç" * 68 + "😀", 1),
        # a surrogate pair is never split: 66 + 2 does not fit a 67-unit part
        ("ç" * 66 + "😀" + "ç" * 10, 2),
        ("ç" * 66 + "😀" + "ç" * 66, 3),
    ],
)
def test_count_segments(text: str, segments: int) -> None:
    assert count_segments(text) == segments


def test_check_text_refuses_empty_text() -> None:
    for text in ("", "   \n"):
        with pytest.raises(InvalidMessageError, match="empty") as caught:
            check_text(text)
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, SmsError)


def test_check_text_limits_length() -> None:
    assert check_text("a" * 1600) == "a" * 1600
    with pytest.raises(ValueError, match="1601 characters, more than the maximum of 1600"):
        check_text("a" * 1601)
    assert check_text("a" * 10, max_length=10) == "a" * 10
    with pytest.raises(InvalidMessageError, match="maximum of 10") as caught:
        check_text("a" * 11, max_length=10)
    assert caught.value.reason == "message too long"


def test_check_text_refuses_non_text() -> None:
    with pytest.raises(InvalidMessageError, match="string"):
        check_text(None)  # type: ignore[arg-type]
