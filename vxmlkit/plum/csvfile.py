"""Read a campaign's numbers from a CSV file, reporting bad rows with their line numbers.

Two layouts are read:

* positional, without a header: ``phone[,message_reference][,call_parameters]``;
* Plum's contacts CSV: a header whose first column is ``destination``, then any columns.
  Columns named ``message_reference`` and ``call_parameters`` are used as such; every other
  column becomes a ``name=value`` pair of the call_parameters (urlencoded), so that the
  start_url receives them.

Blank lines are skipped. A UTF-8 byte order mark (as Excel writes it) is ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from vxmlkit.plum import rules
from vxmlkit.plum.errors import RuleViolation
from vxmlkit.plum.models import CallSpec

HEADER_FIRST_COLUMN = "destination"
POSITIONAL_COLUMNS = 3


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be sent, with its line number in the file (1-based)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class CampaignFile:
    """The calls read from a campaign CSV, and the rows that break a rule."""

    calls: list[CallSpec] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    has_header: bool = False


def _clean(cell: str) -> str:
    return cell.strip()


def _check_row(phone: str, reference: str, parameters: str) -> CallSpec:
    number = rules.check_phone_number(phone)
    if reference:
        rules.check_text("message_reference", reference, limit=rules.PHONE_LIST_MESSAGE_REFERENCE_LIMIT)
    if parameters:
        rules.check_text("call_parameters", parameters)
    return CallSpec(number, reference or None, parameters or None)


def parse_campaign_csv(lines: Iterable[str]) -> CampaignFile:
    """Parse CSV text lines (as from an open text file) into calls and bad rows."""
    result = CampaignFile()
    reader = csv.reader(lines)
    header: list[str] | None = None
    references: dict[str, int] = {}
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            result.bad_rows.append(BadRow(last_line + 1, f"unreadable CSV: {error}"))
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        cells = [_clean(cell) for cell in row]
        if not any(cells):
            continue
        first_row = not result.calls and not result.bad_rows
        if header is None and first_row and cells[0].lstrip("\ufeff").lower() == HEADER_FIRST_COLUMN:
            header = [cell.lstrip("\ufeff").lower() for cell in cells]
            result.has_header = True
            duplicates = sorted({name for name in header if header.count(name) > 1})
            if duplicates:
                result.bad_rows.append(BadRow(line, f"header repeats column(s) {', '.join(duplicates)}"))
            extras = [name for name in header[1:] if name not in ("message_reference", "call_parameters")]
            if "call_parameters" in header and extras:
                result.bad_rows.append(
                    BadRow(line, "use either a call_parameters column or extra columns, not both")
                )
            continue
        try:
            spec = _header_row(header, cells) if header is not None else _positional_row(cells)
        except RuleViolation as violation:
            result.bad_rows.append(BadRow(line, str(violation)))
            continue
        if spec.message_reference:
            first = references.get(spec.message_reference)
            if first is not None:
                result.bad_rows.append(
                    BadRow(line, f"message_reference {spec.message_reference!r} is already used on line {first}")
                )
                continue
            references[spec.message_reference] = line
        result.calls.append(spec)
        result.lines.append(line)
    return result


def _positional_row(cells: list[str]) -> CallSpec:
    if len(cells) > POSITIONAL_COLUMNS:
        raise RuleViolation(
            "row", f"has {len(cells)} columns; expected phone[,message_reference][,call_parameters]"
        )
    padded = cells + [""] * (POSITIONAL_COLUMNS - len(cells))
    return _check_row(*padded)


def _header_row(header: list[str], cells: list[str]) -> CallSpec:
    if len(cells) > len(header):
        raise RuleViolation("row", f"has {len(cells)} columns but the header names {len(header)}")
    values = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
    phone = values.pop(HEADER_FIRST_COLUMN)
    reference = values.pop("message_reference", "")
    parameters = values.pop("call_parameters", "")
    if values:
        parameters = urlencode(values)
    return _check_row(phone, reference, parameters)


def read_campaign_csv(path: str | Path) -> CampaignFile:
    """Read a campaign CSV file (UTF-8, with or without a byte order mark)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RuleViolation(str(path), f"is not UTF-8 text (byte {error.start})") from None
    return parse_campaign_csv(io.StringIO(text, newline=""))
