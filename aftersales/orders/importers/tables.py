"""Opening a report, CSV or XLSX, and streaming its rows. The format is told from the
content, never from the file name."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from aftersales.orders.importers.cells import (
    COLUMN_ALIASES,
    MSG_FILE_DECODE,
    MSG_FILE_EMPTY,
    MSG_FILE_UNREADABLE,
    MSG_FILE_XLS,
    MSG_MISSING_COLUMNS,
    XLS_MAGIC,
    XLSX_MAGIC,
    RowError,
    column_list,
    unwrap,
)


@dataclass
class Table:
    """An open report. ``records()`` yields (row number, cells) with at least as many cells
    as ``index`` needs, ``rows()`` the same as {column: cell} for the columns asked for; a
    problem that stops the reading partway sets ``error`` and ends the rows."""

    name: str
    header: list[str]
    _rows: Iterator[list[str]]
    _index: dict[str, int]
    error: RowError | None = None

    @property
    def index(self) -> dict[str, int]:
        """Where each column asked for (and present) is in a row of ``records()``."""
        return dict(self._index)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        width = max(self._index.values(), default=-1) + 1
        row = 1
        try:
            for cells in self._rows:
                row += 1
                if not any(c.strip() for c in cells):
                    continue  # spreadsheets leave blank rows at the end; they are not data
                if len(cells) < width:  # a short row: the cells it leaves out are empty
                    cells = cells + [""] * (width - len(cells))
                yield row, cells
        except UnicodeDecodeError as e:
            # The failing row is the one after the last row read.
            message = MSG_FILE_DECODE % {"encoding": e.encoding}
            self.error = RowError(self.name, row + 1, "", "decode_error", message)
        except (csv.Error, zipfile.BadZipFile, OSError, ValueError, KeyError):
            message = str(MSG_FILE_UNREADABLE)
            self.error = RowError(self.name, row + 1, "", "unreadable", message)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        for row, cells in self.records():
            yield row, {column: cells[i] for column, i in self._index.items()}


class TableError(Exception):
    def __init__(self, error: RowError):
        super().__init__(error.message)
        self.error = error


def source_name(source: Any, default: str) -> str:
    name = source if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
    return Path(os.fsdecode(name)).name if isinstance(name, str | os.PathLike) and name else default


def _seekable(stream: IO[bytes], stack: ExitStack) -> IO[bytes]:
    """Both format sniffing and XLSX (a zip, read from its end) need to seek. A stream that
    cannot is spooled to a temporary file, which stays in memory only while it is small."""
    if stream.seekable():
        return stream
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024))
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # Not final: the sample may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # GB18030 is a superset of GBK, which the seller centre writes.
        return "gb18030"
    return "utf-8"


def _csv_rows(stream: IO[bytes], stack: ExitStack) -> Iterator[list[str]]:
    start = stream.tell()
    encoding = _sniff_encoding(stream.read(64 * 1024))
    stream.seek(start)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    # Detach rather than close: the caller's file object stays theirs to close.
    stack.callback(text.detach)
    return csv.reader(text)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # A number cell is a float to openpyxl; its shortest repr is the decimal the sheet
        # shows (9.9, not 9.9000000000000003552713678800500929355621337890625), and the money
        # parser takes it from text, so no float ever reaches a Decimal.
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _xlsx_rows(stream: IO[bytes], stack: ExitStack) -> Iterator[list[str]]:
    # read_only streams the sheet's XML row by row instead of building every cell;
    # data_only gives what the sheet shows (a formula's cached value), as a user sees it.
    workbook = load_workbook(stream, read_only=True, data_only=True)
    stack.callback(workbook.close)
    sheet = workbook.worksheets[0]
    return ([_xlsx_cell(v) for v in values] for values in sheet.iter_rows(values_only=True))


@contextmanager
def open_table(
    source: Any,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    default_name: str = "",
) -> Iterator[Table]:
    """Open a report (a path or a binary file object), find the header row (row 1) and
    check the columns. Raises ``TableError`` for a file that cannot be imported at all: not
    CSV or XLSX, empty, or missing a required column (all of them named in one error)."""
    name = source_name(source, default_name)
    with ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            stream: IO[bytes] = stack.enter_context(open(source, "rb"))
        else:
            stream = source
        stream = _seekable(stream, stack)
        start = stream.tell()
        magic = stream.read(4)
        stream.seek(start)

        def refuse(code: str, message: Any) -> TableError:
            return TableError(RowError(name, 1, "", code, str(message)))

        if magic.startswith(XLS_MAGIC):
            raise refuse("xls_unsupported", MSG_FILE_XLS)
        try:
            if magic == XLSX_MAGIC:
                rows = _xlsx_rows(stream, stack)
            else:
                rows = _csv_rows(stream, stack)
            header_cells = next(rows, None)
        except UnicodeDecodeError as e:
            raise refuse("decode_error", MSG_FILE_DECODE % {"encoding": e.encoding}) from None
        except (csv.Error, zipfile.BadZipFile, InvalidFileException, OSError, ValueError, KeyError):
            raise refuse("unreadable", MSG_FILE_UNREADABLE) from None
        if header_cells is None or not any(c.strip() for c in header_cells):
            raise refuse("empty_file", MSG_FILE_EMPTY)

        header = [header_name(c) for c in header_cells]
        index = header_index(header)
        missing = [c for c in required if c not in index]
        if missing:
            message = MSG_MISSING_COLUMNS % {"columns": column_list(missing)}
            raise TableError(RowError(name, 1, "", "missing_columns", message, tuple(missing)))
        wanted = {c: index[c] for c in (*required, *optional) if c in index}
        yield Table(name=name, header=header, _rows=rows, _index=wanted)


def header_name(cell: str) -> str:
    """A header cell as the column's name. Some versions pad names with spaces ("收货地址 ",
    "物流单号 "), a UTF-8 file may start with a byte-order mark, and a hand-edited sheet may
    have a full-width space or a line break in a name; no name has whitespace of its own."""
    return "".join(unwrap(cell.replace("\ufeff", "")).split())


def header_index(header: Sequence[str]) -> dict[str, int]:
    """Where each column is, by name. A repeated name: the first one counts. A column under
    another name it goes by (``COLUMN_ALIASES``) is found under its usual name, unless the
    file has that too."""
    index: dict[str, int] = {}
    for i, column in enumerate(header):
        index.setdefault(column, i)
    for column, aliases in COLUMN_ALIASES.items():
        if column not in index:
            found = next((index[a] for a in aliases if a in index), None)
            if found is not None:
                index[column] = found
    return index
