"""Answers the command line gives at once, before the heavy libraries load: which
snapshot is the default (the newest readable one, the same rule for every command),
and whether a scope code exists (read from the area table alone, typed as a user may
type it). Only the standard library, PyYAML and the project's light modules."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import unicodedata
from pathlib import Path

from helpers.core import paths
from helpers.core.era import month_end_label
from helpers.core.errors import WorkbookError
from helpers.core.safe_yaml import UnsafeYaml, load_yaml_file

__all__ = ["MANIFEST", "MAX_MANIFEST_BYTES", "as_of_date", "dated_snapshots", "newest_snapshot", "manifest_as_of",
           "normalize_area_code", "area_message", "check_scope"]

MANIFEST = "manifest.yaml"
MAX_MANIFEST_BYTES = 64 * 1024


def as_of_date(value) -> dt.date:
    """A manifest's `as_of` as a date: a YAML date, a timestamp's day, or ISO text (the
    one reading of the field, for the quick checks and the full validation).

    Raises:
        ValueError: when it is none of these.

    >>> as_of_date("2023-09-30"), as_of_date(dt.datetime(2023, 9, 30, 12))
    (datetime.date(2023, 9, 30), datetime.date(2023, 9, 30))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def manifest_as_of(path: Path) -> tuple[dt.date | None, str]:
    """A manifest's as-of date, or None and the reason it cannot be used."""
    try:
        manifest = load_yaml_file(path, MAX_MANIFEST_BYTES)
    except (UnsafeYaml, OSError) as err:
        return None, str(err)
    value = manifest.get("as_of") if isinstance(manifest, dict) else None
    try:
        as_of = as_of_date(value)
    except ValueError:
        return None, "基準日（as_of）が読めません"
    if as_of > dt.date.today():
        return None, f"基準日（as_of）{as_of} が未来の日付です"
    return as_of, ""


def snapshot_fiscal_year(snapshot_ref: str) -> int | None:
    """The fiscal year a snapshot's manifest states (None when it cannot be read: the
    full check then says why), read without loading its tables."""
    folder = Path(snapshot_ref)
    if not folder.is_dir():
        folder = paths.snapshots_dir() / str(snapshot_ref)
    try:
        manifest = load_yaml_file(folder / MANIFEST, MAX_MANIFEST_BYTES)
    except (UnsafeYaml, OSError):
        return None
    year = manifest.get("fiscal_year") if isinstance(manifest, dict) else None
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def dated_snapshots(stream=None) -> list[tuple[dt.date, str]]:
    """(as-of date, id) of every snapshot under data/snapshots/, oldest first.

    A folder whose manifest cannot be read (malformed, hostile, no date) is skipped and
    named on `stream`: one bad folder must not stop the scheduled run of the others.
    """
    root = paths.snapshots_dir()
    found = []
    for folder in sorted(p for p in root.iterdir() if (p / MANIFEST).is_file()) if root.is_dir() else []:
        as_of, reason = manifest_as_of(folder / MANIFEST)
        if as_of is None:
            if stream is not None:
                print(f"注意: data/snapshots/{folder.name} を飛ばしました（manifest.yaml: {reason}）", file=stream)
            continue
        found.append((as_of, folder.name))
    return sorted(found)


def newest_snapshot(stream=None) -> str:
    """The snapshot under data/snapshots/ with the latest as-of date (the default of
    every command); ties go to the last id in name order. Which one was picked, and its
    基準日, is said on `stream` (stderr: some commands print data on stdout)."""
    found = dated_snapshots(stream)
    if not found:
        raise WorkbookError("data/snapshots/ に読めるスナップショットがありません。")
    as_of, chosen = found[-1]
    if stream is not None:
        ties = sum(1 for date, _ in found if date == as_of) - 1
        tie = f"。基準日が同じものがほかに {ties} 件あり、ID の順で最後のものを選びました" if ties else ""
        print(f"スナップショット: {chosen}（基準日 {month_end_label(as_of)}、{as_of}）を使います"
              f"（--snapshot の指定がないため、基準日が最も新しいもの{tie}）。", file=stream)
    return chosen


def normalize_area_code(code: str, known) -> str:
    """An area code as a user may type it, made the code it means when that is
    unambiguous: full-width digits and letters ('４７', 'Ｒ８'), lower case ('r8'), and
    the leading zeros Excel drops ('4' -> '04', '1001' -> '01001').

    >>> normalize_area_code("４", {"04", "R8"}), normalize_area_code("r8", {"R8"}), normalize_area_code("x", {"00"})
    ('04', 'R8', 'x')
    """
    text = unicodedata.normalize("NFKC", str(code)).strip()
    for candidate in (text, text.upper(), text.zfill(2), text.zfill(5)):
        if candidate in known:
            return candidate
    return text


def area_message(code: str, names: dict[str, str]) -> str:
    """'no such area' with the closest codes and names first."""
    by_name = {n: c for c, n in names.items()}
    typed = code.upper() if code.isascii() else code  # 'r9' is closest to the R codes
    close = difflib.get_close_matches(typed, list(names) + list(by_name), n=5, cutoff=0.4)  # closest first
    picks = list(dict.fromkeys(c if c in names else by_name[c] for c in close))
    hint = "、".join(f"{c}（{names[c]}）" for c in picks)
    tail = f"近いもの: {hint}" if hint else "例: 00（全国）、47（沖縄県）、R8（九州・沖縄）など"
    return f"地域コード「{code}」はこのスナップショットにありません。{tail}"


def _area_names(folder: Path) -> dict[str, str] | None:
    """code -> name from the snapshot's area table, or None when it cannot be read here
    (the full validation that follows says why)."""
    try:
        manifest = load_yaml_file(folder / MANIFEST, MAX_MANIFEST_BYTES)
        name = str(manifest["tables"]["areas"]["file"])
    except (UnsafeYaml, OSError, KeyError, TypeError):
        return None
    path = folder / name
    if "/" in name or "\\" in name or not path.is_file():
        return None
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=["area_code", "name_ja"]).to_pydict()
        return {str(c): str(n) for c, n in zip(table["area_code"], table["name_ja"])}
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            rows = list(csv.DictReader(io.StringIO(raw.decode(encoding))))
            return {str(r["area_code"]): str(r.get("name_ja", "")) for r in rows if r.get("area_code")}
        except (UnicodeDecodeError, KeyError, csv.Error):
            continue
    return None


def check_scope(snapshot_ref: str, scope: str) -> str:
    """The scope as one of the snapshot's area codes (normalized); `WorkbookError` with
    the closest codes when there is no such area. Unreadable tables pass through to the
    full check."""
    folder = Path(snapshot_ref)
    if not folder.is_dir():
        folder = paths.snapshots_dir() / str(snapshot_ref)
    names = _area_names(folder) if folder.is_dir() else None
    if not names:
        return scope
    code = normalize_area_code(scope, set(names))
    if code not in names:
        raise WorkbookError(area_message(code, names))
    return code
