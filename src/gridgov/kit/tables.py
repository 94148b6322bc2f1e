"""Reading a table that people export: CSV (UTF-8, or GB18030 as Chinese government systems
often write it) or XLSX, as a header and one dict of text cells per row."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from itertools import zip_longest
from pathlib import Path

from gridgov.kit.errors import ValidationFailed


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV (UTF-8, or GB18030 as Chinese exports often are) or XLSX."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"cannot read {path}: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise ValidationFailed(f"{path}: neither UTF-8 nor GB18030")
    csv.field_size_limit(10_000_000)
    # strict: a file cut short inside a quoted cell (an upload broken off, an export that
    # stopped) is an error, not a last row that ends where the bytes ran out
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
        width = len(header)
        # as csv.DictReader reads them (blank lines skipped, short rows padded, cells beyond
        # the header dropped), with the dicts built by zip() in C instead of its Python per row
        return header, [
            dict(zip(header, r if len(r) >= width else r + [""] * (width - len(r)), strict=False))
            for r in reader
            if r
        ]
    except csv.Error as exc:
        raise ValidationFailed(
            f"{path.name}: line {reader.line_num}: {exc} (is the file cut short or badly quoted?)"
        ) from None


def _read_xlsx(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ValidationFailed(f"{path}: not a readable XLSX file ({exc})") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        return [], []
    out = []
    for values in rows:
        if values is None or all(v is None for v in values):
            continue
        # every header column, as for a CSV: a workbook without a <dimension> element leaves
        # a row short where its last cells are empty
        out.append({h: _cell(v) for h, v in zip_longest(header, values) if h})
    book.close()
    return header, out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
