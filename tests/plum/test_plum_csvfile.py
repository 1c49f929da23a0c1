"""Campaign CSV files: positional rows, Plum's contacts CSV with a 'destination' header, bad
rows reported with their line numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vxmlkit.plum import CallSpec, RuleViolation, parse_campaign_csv, phone_list_csv, read_campaign_csv


def parse(text: str):
    return parse_campaign_csv(io.StringIO(text, newline=""))


def test_positional_rows_with_optional_reference_and_parameters() -> None:
    result = parse("16175551234\n16175551235,inv-2\n16175551236,inv-3,amount=12.50\n16175551237,,x=1\n")
    assert not result.has_header and result.bad_rows == []
    assert result.calls == [
        CallSpec("16175551234"),
        CallSpec("16175551235", "inv-2"),
        CallSpec("16175551236", "inv-3", "amount=12.50"),
        CallSpec("16175551237", None, "x=1"),
    ]
    assert result.lines == [1, 2, 3, 4]


def test_contacts_csv_header_with_destination_and_extra_columns() -> None:
    text = (
        '"destination","first_name","last_name"\n'
        '"16175551234","Steve","Smith"\n'
        '"tel:+16177123000;ani=5553336666","Plum","Voice"\n'
        '"19998886666","Keith & Co","Johnston"\n'
    )
    result = parse(text)
    assert result.has_header and result.bad_rows == []
    assert [call.phone_number for call in result.calls] == ["16175551234", "tel:+16177123000;ani=5553336666",
                                                           "19998886666"]
    assert result.calls[0].call_parameters == "first_name=Steve&last_name=Smith"
    assert result.calls[2].call_parameters == "first_name=Keith+%26+Co&last_name=Johnston"
    assert result.lines == [2, 3, 4]


def test_header_with_message_reference_and_call_parameters_columns() -> None:
    result = parse("destination,message_reference,call_parameters\n16175551234,r1,a=1\n16175551235,,\n")
    assert result.calls == [CallSpec("16175551234", "r1", "a=1"), CallSpec("16175551235")]


def test_header_detection_ignores_case_spaces_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_bytes("\ufeff Destination ,Name\r\n16175551234,Ann\r\n".encode("utf-8"))
    result = read_campaign_csv(path)
    assert result.has_header
    assert result.calls == [CallSpec("16175551234", None, "name=Ann")]


def test_bad_rows_are_reported_with_their_line_numbers() -> None:
    text = (
        "16175551234,r1\n"          # 1 good
        "\n"                        # 2 blank, skipped
        "6175551234,r2\n"           # 3 missing country code
        "not-a-number\n"            # 4
        "16175551235,r1\n"          # 5 duplicate reference
        '"16175551236","multi\nline"\n'  # 6-7 control character in the reference
        "16175551238,a,b,c\n"       # 8 too many columns
        "16175551239;ani=16175550000\n"  # 9 bad ani
        "16175551240,r9\n"          # 10 good
    )
    result = parse(text)
    assert [call.message_reference for call in result.calls] == ["r1", "r9"]
    assert result.lines == [1, 10]
    assert [(bad.line, bad.message.split(":")[0]) for bad in result.bad_rows] == [
        (3, "phone_number"),
        (4, "phone_number"),
        (5, "message_reference 'r1' is already used on line 1"),
        (6, "message_reference"),
        (8, "row"),
        (9, "phone_number"),
    ]
    assert "put 1 before the area code" in result.bad_rows[0].message
    assert str(result.bad_rows[4]) == "line 8: row: has 4 columns; expected phone[,message_reference][,call_parameters]"


def test_header_rows_with_too_many_cells_and_long_values() -> None:
    text = "destination,name\n16175551234,Ann,extra\n16175551235," + "n" * 300 + "\n"
    result = parse(text)
    assert result.calls == []
    assert [(bad.line, bad.message) for bad in result.bad_rows] == [
        (2, "row: has 3 columns but the header names 2"),
        (3, "call_parameters: must be at most 255 characters (got 305)"),
    ]


def test_a_header_mixing_call_parameters_and_extra_columns_is_reported() -> None:
    result = parse("destination,call_parameters,name\n16175551234,a=1,Ann\n")
    assert result.bad_rows[0].line == 1 and "not both" in result.bad_rows[0].message


def test_message_reference_in_a_file_is_limited_to_128() -> None:
    result = parse("16175551234," + "r" * 129 + "\n")
    assert result.bad_rows[0].message == "message_reference: must be at most 128 characters (got 129)"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_bytes(b"16175551234,caf\xe9\n")
    with pytest.raises(RuleViolation, match="not UTF-8"):
        read_campaign_csv(path)


def test_an_empty_file_has_no_calls() -> None:
    result = parse("\n\n")
    assert result.calls == [] and result.bad_rows == []


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"),
    max_size=40,
).map(str.strip)


@given(
    st.lists(
        st.tuples(st.integers(10_000_000_000, 19_999_999_999), _text, _text),
        min_size=1,
        max_size=20,
        unique_by=lambda call: call[1] or object(),
    )
)
def test_the_phone_list_written_for_plum_reads_back_the_same(calls) -> None:
    specs = [CallSpec(str(number), reference or None, parameters or None) for number, reference, parameters in calls]
    text, count = phone_list_csv(specs)
    assert count == len(specs)
    result = parse(text)
    assert result.bad_rows == []
    assert result.calls == specs
