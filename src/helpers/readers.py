"""Reading one table file: CSV in UTF-8 or CP932, or Parquet.

Japanese office systems export CSV in CP932 (Shift_JIS with Microsoft's extensions);
the workbook writes UTF-8. Both are accepted; anything else is refused with the byte
position where decoding failed. Nothing here writes to disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.errors import Problem

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


def row_label_for(path: Path):
    """How rows are named in messages: CSV line numbers (the header is line 1), or the
    data row number for Parquet."""
    if path.suffix.lower() == ".csv":
        return lambda index: f"{index + 2}行目"
    return lambda index: f"データ{index + 1}行目"


def read_table(path: Path, file_label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a table file as raw columns (CSV: all strings).

    Returns:
        (frame, problems); frame is None when the file cannot be read at all.
    """
    if not path.is_file():
        return None, [Problem(file_label, "", "ファイルがありません")]
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
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_values=[], skip_blank_lines=True)
    except pd.errors.ParserError as err:
        return None, [Problem(file_label, _parser_line(str(err)), "列の数が見出し行と合いません")]
    problems: list[Problem] = []
    if frame.empty:
        problems.append(Problem(file_label, "", "データ行がありません（見出し行だけです）"))
    if _last_line_cut(text):
        problems.append(Problem(file_label, f"{len(frame) + 1}行目",
                                "最後の行が途中で切れています（ファイルが不完全です）"))
    return frame, problems


def _last_line_cut(text: str) -> bool:
    """A file whose last line has no line break and fewer fields than the header was
    cut short (pandas would silently fill the missing fields with blanks)."""
    if text.endswith(("\n", "\r")):
        return False
    lines = text.splitlines()
    if len(lines) < 2:
        return False
    header, last = next(csv.reader([lines[0]])), next(csv.reader([lines[-1]]), [])
    return len(last) < len(header)


def _parser_line(message: str) -> str:
    """'Expected 5 fields in line 7, saw 6' -> '7行目'."""
    words = message.replace(",", " ").split()
    if "line" in words:
        position = words.index("line") + 1
        if position < len(words) and words[position].isdigit():
            return f"{words[position]}行目"
    return ""


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
