"""Reading one table file: CSV in UTF-8 or CP932, or Parquet.

Japanese office systems export CSV in CP932 (Shift_JIS with Microsoft's extensions);
the workbook writes UTF-8. Both are accepted; anything else is refused with the byte
position where decoding failed. Nothing here writes to disk.
"""

from __future__ import annotations

import array
import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.core.errors import Problem
from helpers.data.schemas import MAX_ROWS_PER_RULE

__all__ = ["decode_text", "read_table", "sha256_of", "row_label_for"]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode_text(data: bytes) -> tuple[str | None, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM), else CP932.

    Returns:
        (text, encoding) or (None, reason) when the bytes are neither.
    """
    if b"\x00" in data:  # UTF-16 and binary files: CP932 would "decode" them
        position = data.index(b"\x00") + 1
        return None, f"{position}バイト目"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            return None, f"{utf8_error.start + 1}バイト目"


def row_label_for(path: Path, frame: pd.DataFrame | None = None):
    """How rows are named in messages: the CSV file's own line numbers (kept by
    `read_table` in ``frame.attrs["lines"]``, so blank lines and quoted line breaks do
    not shift them), or the data row number for Parquet."""
    if path.suffix.lower() == ".csv":
        lines = None if frame is None else frame.attrs.get("lines")
        if lines is not None:
            return lambda index: f"{lines[index]}行目"
        return lambda index: f"{index + 2}行目"
    return lambda index: f"データ{index + 1}行目"


def read_table(path: Path, file_label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a table file as raw columns (CSV: all strings).

    Returns:
        (frame, problems); frame is None when the file cannot be read at all. For CSV,
        ``frame.attrs["lines"]`` holds each row's line number in the file.
    """
    if not path.is_file():
        return None, [Problem(file_label, "", "ファイルがありません")]
    too_large = _size_problem(path, file_label)
    if too_large:
        return None, [too_large]
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path, file_label)
    if suffix != ".csv":
        return None, [Problem(file_label, "", "CSV（.csv）または Parquet（.parquet）であること")]
    data = path.read_bytes()
    if not data.strip():
        return None, [Problem(file_label, "", "ファイルが空です（見出し行もありません）")]
    text, encoding = decode_text(data)
    if text is None:
        return None, [Problem(file_label, encoding,
                              "文字コードが UTF-8 でも CP932（Shift_JIS）でもありません")]
    # Arrow reads UTF-8 bytes (a CP932 file re-encoded); the text is decoded again only
    # for the line-by-line parser, when the file is not plain
    utf8 = data if encoding == "utf-8" else text.encode("utf-8")
    del text, data
    frame = _parse_plain_csv(utf8)
    if frame is not None:
        return frame, []
    return _parse_csv(utf8.decode("utf-8-sig"), file_label)


def _parse_plain_csv(data: bytes) -> pd.DataFrame | None:
    """A plain CSV (one record per line, no blank or quoted multi-line records, every
    record as wide as the header) read by Arrow into compact string columns: a tenth of
    the memory of Python's csv module on a large measures file. None when the file is
    not plain: the line-by-line parser then reads it and names each broken line.

    A record's line number is then its index + 2, which `row_label_for` assumes when
    the frame carries no line list.
    """
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if b'"' in body or body.count(b"\r") != body.count(b"\r\n"):
        return None  # quoting and old Mac line ends: the careful parser
    try:
        header = body[: body.index(b"\n")] if b"\n" in body else body
        names = [h.strip() for h in header.decode("utf-8").split(",")]
        if len(set(names)) != len(names) or not all(names):
            return None
        table = pacsv.read_csv(io.BytesIO(body),
                               read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                               parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
                               convert_options=pacsv.ConvertOptions(
                                   column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
        return None
    if table.num_rows != lines - 1 or table.num_rows == 0:
        return None  # blank lines or a missing header: the careful parser says where
    frame = table.to_pandas()
    frame.attrs["records"] = table.num_rows
    return frame


# A table file is read whole, and validation and the run's processes hold it several
# times over: 10x the sample (121 MiB of CSV, 3.2 million rows) peaks at about 2 GiB for a
# national run (bench/big_snapshot.py). Larger files are refused before they are read,
# rather than letting them exhaust the machine; the limit can be raised where there is
# memory for it.
MAX_TABLE_MIB_ENV = "WORKBOOK_MAX_TABLE_MIB"
DEFAULT_MAX_TABLE_MIB = 256


def max_table_bytes() -> int:
    """The largest table file read, in bytes ($WORKBOOK_MAX_TABLE_MIB, default 256 MiB)."""
    import os

    text = os.environ.get(MAX_TABLE_MIB_ENV, "").strip()
    mib = int(text) if text.isdigit() and int(text) > 0 else DEFAULT_MAX_TABLE_MIB
    return mib * 2**20


def _size_problem(path: Path, file_label: str) -> Problem | None:
    size, limit = path.stat().st_size, max_table_bytes()
    if size <= limit:
        return None
    return Problem(file_label, "", f"ファイルが大きすぎるため読みません（{size / 2**20:,.0f} MiB。上限 {limit // 2**20:,} MiB）。"
                                   f"メモリに余裕のある機械では、環境変数 {MAX_TABLE_MIB_ENV} に上限（MiB）を"
                                   "設定して実行できます（目安: 表 100 MiB あたり約 2 GiB のメモリ）")


def _parse_csv(text: str, file_label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Records with their starting line numbers; every record must have as many
    fields as the header (pandas would silently pad a short row, or turn an extra field
    on the first data row into an index)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    previous = 0
    mismatched: list[tuple[int, int]] = []
    last_record = 0
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line
            if header is None:
                header, header_line = [f.strip() for f in fields], start
                continue
            if len(fields) != len(header):
                mismatched.append((start, len(fields)))
                continue
            records.append(fields)
            lines.append(start)
            last_record = start
    except csv.Error as err:
        return None, [Problem(file_label, f"{reader.line_num}行目", f"CSV として読めません（{err}）")]
    if header is None:
        return None, [Problem(file_label, "", "ファイルが空です（見出し行もありません）")]
    cut_short = (mismatched and not text.endswith(("\n", "\r")) and mismatched[-1][0] > last_record
                 and mismatched[-1][1] < len(header))
    for start, count in mismatched[:MAX_ROWS_PER_RULE]:
        rule = (f"列の数が見出し行と合いません（見出し {len(header)} 列、この行 {count} 列）")
        if cut_short and start == mismatched[-1][0]:
            rule = "最後の行が途中で切れています（ファイルが不完全です）"
        problems.append(Problem(file_label, f"{start}行目", rule))
    if len(mismatched) > MAX_ROWS_PER_RULE:
        problems.append(Problem(file_label, "", f"ほか {len(mismatched) - MAX_ROWS_PER_RULE:,} 行で列の数が見出し行と合いません"))
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        return None, [Problem(file_label, f"{header_line}行目",
                              f"見出しに同じ列名が2回以上あります（{'、'.join(duplicated)}）")]
    frame = pd.DataFrame(records, columns=header, dtype=object)
    # an array.array, not a list: pandas deep-copies attrs on every operation on the
    # frame, and a list is copied one int at a time (a numpy array would copy as fast,
    # but pandas compares attrs with ==)
    frame.attrs["lines"] = array.array("q", lines)
    frame.attrs["records"] = len(records) + len(mismatched)
    if frame.empty and not problems:
        problems.append(Problem(file_label, "", "データ行がありません（見出し行だけです）"))
    return frame, problems



def _read_parquet(path: Path, file_label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    if path.stat().st_size == 0:
        return None, [Problem(file_label, "", "ファイルが空です")]
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        return None, [Problem(file_label, "",
                              f"Parquet として読めません（壊れているか途中で切れています: {err}）")]
    frame = table.to_pandas()
    if frame.empty:
        return frame, [Problem(file_label, "", "データ行がありません")]
    return frame, []
