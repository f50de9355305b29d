"""Reading an uploaded spreadsheet into a header row and rows of text: pure, no database.

Refused with a clear reason (ImportRefused), before anything is stored: a file that is neither CSV nor XLSX,
an encoding other than UTF-8 (Windows-1252 is recognised and named), more than 50 MB, and formulas in
cells. Formulas are never evaluated: XLSX is opened without computing anything, and a CSV cell that starts
with "=" is a formula a spreadsheet program would run (CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
FORMULA_STARTS = ("=",)
XLSX_MAGIC = b"PK\x03\x04"


class ImportRefused(Exception):
    """The file cannot be imported; the message says why, in words, and what to do."""

    def __init__(self, message: str, status: int = 422, field: str = "file"):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


@dataclass(frozen=True)
class Table:
    file_format: str  # csv, xlsx
    headers: list[str]
    rows: list[list[object]]  # cell values: str, or date/datetime/int/float/Decimal from XLSX


def read_table(content: bytes, filename: str = "") -> Table:
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused(
            f"The file is {len(content):,} bytes; an import may be at most 50 MB "
            f"({MAX_FILE_BYTES:,} bytes). Split it into smaller files.",
            status=413,
        )
    if not content.strip():
        raise ImportRefused("The file is empty.")
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("This is an old Excel (.xls) file: save it as .xlsx or CSV (UTF-8) and upload that.")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "The file is encoded as UTF-16; save it as CSV UTF-8 (Excel: \"CSV UTF-8 (Comma "
            "delimited)\") and upload it again."
        )
    if content.startswith(b"%PDF") or b"\x00" in content[:4096]:
        raise ImportRefused("The file is neither CSV nor XLSX. Export the spreadsheet as CSV (UTF-8) or .xlsx.")
    return _read_csv(content)


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "The file is encoded as UTF-16; save it as CSV UTF-8 (Excel: \"CSV UTF-8 (Comma "
            "delimited)\") and upload it again."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportRefused(
                f"The file is not UTF-8 text (byte {error.start + 1} cannot be read): save it as CSV UTF-8 or .xlsx."
            ) from None
        raise ImportRefused(
            f"The file is encoded as Windows-1252 (byte {error.start + 1}, {content[error.start : error.start + 1]!r}, "
            f"is not UTF-8): save it as CSV UTF-8 (Excel: \"CSV UTF-8 (Comma delimited)\") and "
            f"upload it again, so names like \"José\" arrive intact."
        ) from None


def _read_csv(content: bytes) -> Table:
    text = _decode(content)
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise ImportRefused(f"The file is not valid CSV: {error}.") from None
    return _table("csv", records)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula cell is seen as a formula (never computed, never trusted as a cached value).
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportRefused(
            f"The file looks like a ZIP archive but is not a readable .xlsx workbook ({error})."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        records = []
        for row in sheet.iter_rows(values_only=False):
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    raise ImportRefused(
                        f"Cell {cell.coordinate} holds a formula ({str(cell.value)[:40]}); formulas are "
                        f"never evaluated. Replace formulas by their values (copy, paste values) and "
                        f"upload again."
                    )
                values.append(cell.value)
            records.append(values)
            if len(records) > MAX_ROWS + 1:
                break
    finally:
        workbook.close()
    return _table("xlsx", records)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(file_format: str, records: list[list[object]]) -> Table:
    records = [r for r in records if any(_cell_text(v) for v in r)]
    if not records:
        raise ImportRefused("The file has no rows.")
    headers = [_cell_text(v) for v in records[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers or not any(headers):
        raise ImportRefused("The first row must name the columns (e.g. \"Borrower Name\", \"Sale Date\").")
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(f"The file has {len(headers)} columns; at most {MAX_COLUMNS}.")
    missing = [i + 1 for i, h in enumerate(headers) if not h]
    if missing:
        raise ImportRefused(f"Column {missing[0]} has no name in the first row.")
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise ImportRefused(f"Two columns are named \"{header}\"; rename one.")
        seen.add(header)
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells = list(record[: len(headers)]) + [None] * (len(headers) - len(record))
        for index, value in enumerate(cells):
            if isinstance(value, str) and value.lstrip().startswith(FORMULA_STARTS):
                raise ImportRefused(
                    f"Row {number}, column \"{headers[index]}\" starts with \"=\" ({value[:40]}): a "
                    f"formula, which is never evaluated. Put the value itself in the cell."
                )
        rows.append(cells)
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"The file has more than {MAX_ROWS:,} rows; split it.")
    return Table(file_format, headers, rows)


def cell_text(value: object) -> str:
    return _cell_text(value)
