"""Reading invitation files (CSV or XLSX) and writing exports safely.

Reading turns a file into plain dicts with normalised keys; validating against the database
happens in services. Writing neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
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

# Language spellings accepted in the three languages (case-insensitive), as the site's codes.
LANGUAGES = {
    "fi": "fi",
    "fi-fi": "fi",
    "fi_fi": "fi",
    "fin": "fi",
    "suomi": "fi",
    "suomeksi": "fi",
    "finska": "fi",
    "finnish": "fi",
    "sv": "sv",
    "sv-fi": "sv",
    "sv_fi": "sv",
    "sv-se": "sv",
    "sv_se": "sv",
    "swe": "sv",
    "svenska": "sv",
    "ruotsi": "sv",
    "ruotsiksi": "sv",
    "swedish": "sv",
    "en": "en",
    "en-gb": "en",
    "en_gb": "en",
    "en-us": "en",
    "en_us": "en",
    "eng": "en",
    "english": "en",
    "englanti": "en",
    "englanniksi": "en",
    "engelska": "en",
}


class SpreadsheetError(DomainError):
    pass


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


# Byte-order marks and the encodings they announce, UTF-32 first: its little-endian mark
# begins with UTF-16's. Excel's "Unicode Text" (.txt) is UTF-16 with a mark.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _unreadable() -> SpreadsheetError:
    return SpreadsheetError(_("The file is not readable text."))


def _decode(content: bytes) -> str:
    """The file's text: in the encoding its byte-order mark names, else UTF-8, else Windows-1252
    (a CSV saved by an older Excel)."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if content.startswith(mark):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                raise _unreadable() from None
    if b"\x00" in content:
        # UTF-16 without its mark, or not text at all: as Windows-1252 it would be a table of
        # NUL characters, so say it cannot be read.
        raise _unreadable()
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable()


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    # Universal newlines: Windows ends lines with CRLF, old Mac Excel with a bare CR. The reader
    # gets newline="" (a quoted cell keeps its line breaks); the sniffer looks at "\n" only.
    sample = text[:4096].replace("\r\n", "\n").replace("\r", "\n")
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [
            [_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)
        ]
    except csv.Error as exc:
        raise _unreadable() from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SpreadsheetError(_("The file is not a readable Excel workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:  # a sheet broken past its opening fails only while it is read
        raise SpreadsheetError(_("The file is not a readable Excel workbook.")) from exc
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
                # As written (up to a cell's sensible length): the preview shows an unknown one.
                "language": values.get("language", "").strip()[:50],
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


def _csv_value(value: Any) -> Any:
    """Dates and times as the ISO text a spreadsheet recognises; the rest as it is."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else neutralise(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    # Semicolons and a BOM: what Excel in Finland opens correctly with a double click.
    writer = csv.writer(out, delimiter=";")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# Number formats of typed cells: a date, a moment to the minute, a decimal number.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DECIMAL_FORMAT = "0.0"
# Column widths are measured from the header and this many first rows, within these bounds.
WIDTH_SAMPLE = 500
MIN_WIDTH, MAX_WIDTH = 6, 60


def _display_length(value: Any) -> int:
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, header, rows): dates and times as real date
    cells (a time-zone-aware moment in the site's local time), numbers as numbers, the header
    bold and frozen, and each column as wide as its content. Rows are streamed, so a large
    export stays small in memory; the widths come from the first rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        iterator = iter(rows)
        sample = list(itertools.islice(iterator, WIDTH_SAMPLE))
        widths = [len(str(h)) for h in header]
        for row in sample:
            for i, value in enumerate(row):
                if i < len(widths):
                    widths[i] = max(widths[i], _display_length(value))
                else:
                    widths.append(_display_length(value))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(
                max(width + 2, MIN_WIDTH), MAX_WIDTH
            )
        sheet.freeze_panes = "A2"
        heading = []
        for h in header:
            cell = WriteOnlyCell(sheet, value=neutralise(str(h)))
            cell.font = bold
            heading.append(cell)
        sheet.append(heading)
        for row in itertools.chain(sample, iterator):
            cells: list[Any] = []
            for v in row:
                if isinstance(v, str):
                    v = neutralise(ILLEGAL_CHARACTERS_RE.sub("", v))
                elif isinstance(v, datetime.datetime):
                    cell = WriteOnlyCell(sheet, value=_naive_local(v))
                    cell.number_format = DATETIME_FORMAT
                    v = cell
                elif isinstance(v, datetime.date):
                    cell = WriteOnlyCell(sheet, value=v)
                    cell.number_format = DATE_FORMAT
                    v = cell
                elif isinstance(v, float):
                    cell = WriteOnlyCell(sheet, value=v)
                    cell.number_format = DECIMAL_FORMAT
                    v = cell
                cells.append(v)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _naive_local(moment: datetime.datetime) -> datetime.datetime:
    """Excel has no time zones: an aware moment is written in the site's local time."""
    if timezone.is_aware(moment):
        return timezone.localtime(moment).replace(tzinfo=None)
    return moment
