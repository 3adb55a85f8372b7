"""Reading invitation files (CSV or XLSX) and writing exports safely.

Reading turns a file into plain dicts with normalised keys; validating against the database
happens in services. Writing neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError

MAX_ROWS = 10_000

# Header spellings accepted in English, Finnish and Swedish (case-insensitive).
HEADERS = {
    "name": "name",
    "full name": "name",
    "nimi": "name",
    "namn": "name",
    "first name": "first_name",
    "first_name": "first_name",
    "etunimi": "first_name",
    "förnamn": "first_name",
    "last name": "last_name",
    "last_name": "last_name",
    "sukunimi": "last_name",
    "efternamn": "last_name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "sähköposti": "email",
    "sähköpostiosoite": "email",
    "e-post": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "organisaatio": "organisation",
    "kunta": "organisation",
    "organisation/kommun": "organisation",
    "kommun": "organisation",
    "role": "role",
    "rooli": "role",
    "roll": "role",
    "language": "language",
    "kieli": "language",
    "språk": "language",
}

ROLES = {
    "learner": "learner",
    "oppija": "learner",
    "deltagare": "learner",
    "studerande": "learner",
    "instructor": "instructor",
    "ohjaaja": "instructor",
    "kouluttaja": "instructor",
    "handledare": "instructor",
    "coordinator": "coordinator",
    "koordinaattori": "coordinator",
    "koordinator": "coordinator",
}


class SpreadsheetError(DomainError):
    pass


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise SpreadsheetError(_("The file is not readable text."))
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SpreadsheetError(_("The file is not a readable Excel workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_people(*, file_name: str, content: bytes) -> list[dict[str, Any]]:
    """The people listed in a CSV or XLSX file: one dict per data row with its line number."""
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif lower.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise SpreadsheetError(_("Upload a CSV or XLSX file."))
    table = [row for row in table if any(row)]
    if not table:
        raise SpreadsheetError(_("The file is empty."))
    header = [HEADERS.get(h.strip().lower(), "") for h in table[0]]
    if "email" not in header:
        raise SpreadsheetError(
            _("The first row must name the columns: name, email, organisation and role.")
        )
    if len(table) - 1 > MAX_ROWS:
        raise SpreadsheetError(
            _("The file has more than %(max)d rows; split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    people = []
    for line, row in enumerate(table[1:], start=2):
        values = {key: row[i] if i < len(row) else "" for i, key in enumerate(header) if key}
        first, last = values.get("first_name", ""), values.get("last_name", "")
        if not (first or last) and values.get("name"):
            first, _sep, last = values["name"].partition(" ")
        people.append(
            {
                "line": line,
                "first_name": first.strip()[:150],
                "last_name": last.strip()[:150],
                "email": values.get("email", "").strip().lower(),
                "organisation": values.get("organisation", "").strip(),
                "role": values.get("role", "").strip().lower(),
                "language": values.get("language", "").strip().lower()[:8],
            }
        )
    return people


# --- writing ---------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    # Semicolons and a BOM: what Excel in Finland opens correctly with a double click.
    writer = csv.writer(out, delimiter=";")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([neutralise(h) for h in header])
        for row in rows:
            cells = []
            for v in row:
                if isinstance(v, str):
                    v = neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))
                cells.append(v)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
