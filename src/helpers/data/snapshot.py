"""Snapshots: one folder per extract, `manifest.yaml` plus the area and measure tables.

`check_snapshot` finds every problem of a snapshot folder (manifest, checksums, table
schemas, and the rules that span tables) without changing anything on disk.
`load_snapshot` returns a validated `Snapshot` or raises `InvalidInput` listing them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.core import paths
from helpers.core.era import fiscal_year_of, month_end
from helpers.core.errors import InvalidInput, Problem, WorkbookError
from helpers.core.safe_yaml import UnsafeYaml, load_yaml_file
from helpers.data.contract import BREAKDOWNS, EVERY_MONTH, LEVEL_LABELS, LEVELS, MEASURES, SCHEMA_VERSION, bounded_pairs
from helpers.data.kept import KeptByContent, fingerprint
from helpers.data.quick_checks import MANIFEST, MAX_MANIFEST_BYTES, area_message, as_of_date, normalize_area_code
from helpers.data.readers import read_table, row_label_for, sha256_of
from helpers.data.schemas import AREAS, MAX_ROWS_PER_RULE, MEASURE_ROWS, PROGRESS, TableSchema, validate_frame

__all__ = [
    "check_plan_fit",
    "progress_item_problems",
    "Snapshot",
    "SnapshotCheck",
    "DEFAULT_SNAPSHOT",
    "MANIFEST",
    "check_snapshot",
    "load_snapshot",
    "snapshot_fingerprint",
    "resolve_snapshot",
    "list_snapshots",
]


SNAPSHOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
TABLE_FILE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
DEFAULT_SNAPSHOT = "sample-2023-09-30"
SOURCES = ("sample", "public", "internal")
# Digits of numeric area codes per level (全国 00, JIS prefecture codes, 5-digit offices).
_CODE_WIDTH = {"national": 2, "prefecture": 2, "office": 5}
_TABLES: dict[str, TableSchema] = {"areas": AREAS, "measures": MEASURE_ROWS}
# Tables a snapshot may carry or leave out: the analyst's report on each 計画事項.
_OPTIONAL: dict[str, TableSchema] = {"progress": PROGRESS}
_NO_PROGRESS = pd.DataFrame({c: pd.Series(dtype="str") for c in PROGRESS.dtypes})


@dataclass
class Snapshot:
    """A validated snapshot.

    Attributes:
        id: the snapshot's id (its folder name).
        path: its folder.
        manifest: the parsed manifest.
        areas: one row per area (area_code, name_ja, level, parent_code).
        measures: long table with `period` as Timestamp, `fy` (fiscal year of the
            period) and `pfy` (premium year of premium-year measures, else <NA>).
        progress: the analyst's report on each 計画事項 (item_id, status, done_on,
            note, grade); no rows when the snapshot has no progress table.
    """

    id: str
    path: Path
    manifest: dict
    areas: pd.DataFrame
    measures: pd.DataFrame
    progress: pd.DataFrame = field(default_factory=lambda: _NO_PROGRESS.copy())
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _levels: dict[str, str] = field(default_factory=dict, repr=False)
    _offices: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _parents: dict[str, str] = field(default_factory=dict, repr=False)
    _area_rows: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    _shown: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # as the loading process shows it: a run's worker may be another machine, where
        # the parent's folder would be shown by its bare name
        if self._shown is None:
            self._shown = paths.display_path(self.path)

    @property
    def shown_path(self) -> str:
        """The folder as shown to analysts (project-relative where possible)."""
        return self._shown

    @property
    def as_of(self) -> dt.date:
        """The snapshot's as-of date (a month end)."""
        return as_of_date(self.manifest["as_of"])

    @property
    def fiscal_year(self) -> int:
        """The fiscal year the snapshot reports on."""
        return int(self.manifest["fiscal_year"])

    @property
    def source(self) -> str:
        """sample, public or internal."""
        return str(self.manifest["source"])

    @property
    def is_sample(self) -> bool:
        """True for the synthetic sample data."""
        return self.source == "sample"

    def checked_fiscal_year(self, value, name: str) -> int:
        """A fiscal year asked for (by `--fiscal-year` or a notebook's `fiscal_year`, named
        `name` in the message) as one of this snapshot's years; `WorkbookError` in words
        when it is not a year or not in the snapshot (papermill's `-p` may pass any text).

        >>> Snapshot("x", Path("x"), {"fiscal_year": 2023, "first_fiscal_year": 2021}, None, None, None
        ...          ).checked_fiscal_year("2022", "--fiscal-year")
        2022
        """
        first, last = int(self.manifest["first_fiscal_year"]), self.fiscal_year
        text = str(value).strip()
        year = int(text) if text.isascii() and text.isdigit() and not isinstance(value, bool) else None
        if year is None or not first <= year <= last:
            what = f"「{value}」は西暦の年度として読めません" if year is None else f"{year} はこのスナップショットにありません"
            raise WorkbookError(f"{name}: {what}（{first}～{last} の西暦の開始年を整数で書くこと。"
                                "令和5年度は 2023 と書きます）。")
        return year

    def area(self, code: str) -> pd.Series:
        """The area row of a code (typed the ways `normalize_area_code` accepts);
        `WorkbookError` naming the closest codes first when unknown."""
        if not self._area_rows:  # asked many times by every page: each row looked up once
            self._area_rows.update((str(row["area_code"]), row) for _, row in self.areas.iterrows())
        code = normalize_area_code(code, self._area_rows.keys())
        row = self._area_rows.get(code)
        if row is None:
            raise WorkbookError(unknown_area_message(code, self.areas))
        return row.copy()  # the caller's to change

    def ancestors(self, code: str) -> list[str]:
        """The area and the areas above it, up to 全国: '47001' -> ['47001', '47', 'R8', '00']."""
        if not self._parents:  # asked for every KPI of every page of a fan-out: built once
            self._parents.update((str(c), str(p)) for c, p in zip(self.areas["area_code"], self.areas["parent_code"])
                                 if p is not None and not pd.isna(p))
        chain = [code]
        while (parent := self._parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        return chain

    def overlaps(self, scope: str, code: str) -> bool:
        """Whether a report on `scope` concerns area `code`: one contains the other
        (全国 and 九州・沖縄 contain 沖縄県; an Okinawa office lies inside it)."""
        return scope in self.ancestors(code) or code in self.ancestors(scope)

    def offices_under(self, code: str) -> list[str]:
        """Codes of the offices at or below an area (itself, if it is an office)."""
        if code not in self._offices:
            if not self._children:
                self._levels.update(zip(self.areas["area_code"], self.areas["level"]))
                for child, parent in zip(self.areas["area_code"], self.areas["parent_code"]):
                    if parent is not None and not pd.isna(parent):
                        self._children.setdefault(parent, []).append(child)
            found: list[str] = []
            stack = [code]
            while stack:
                current = stack.pop()
                if self._levels.get(current) == "office":
                    found.append(current)
                stack.extend(self._children.get(current, []))
            self._offices[code] = sorted(found)
        return self._offices[code]


    def areas_within(self, scope: str, level: str) -> pd.DataFrame:
        """Areas of `level` inside `scope` (area_code, name_ja, parent_code), in code
        order. An area is inside when its offices are (the hierarchy never splits one)."""
        inside = set(self.offices_under(scope))
        picked = self.areas[self.areas["level"] == level]
        keep = [bool(offices) and offices[0] in inside
                for offices in map(self.offices_under, picked["area_code"])]
        return picked[keep].sort_values("area_code").reset_index(drop=True)


@dataclass
class SnapshotCheck:
    """What `check_snapshot` found: the problems, and the snapshot when there are none."""

    path: Path
    problems: list[Problem]
    snapshot: Snapshot | None

    @property
    def ok(self) -> bool:
        """True when the snapshot meets the contract."""
        return not self.problems


def unknown_area_message(code: str, areas: pd.DataFrame) -> str:
    """'no such area' with the nearest codes and names first."""
    return area_message(code, dict(zip(areas["area_code"], areas["name_ja"])))


def list_snapshots() -> list[str]:
    """Ids of the snapshots under data/snapshots/, oldest first."""
    root = paths.snapshots_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def resolve_snapshot(ref: str | Path) -> Path:
    """A snapshot id (folder under data/snapshots/) or a path to its folder."""
    candidate = Path(ref)
    if candidate.is_dir():
        return candidate.resolve()
    by_id = paths.snapshots_dir() / str(ref)
    if by_id.is_dir():
        return by_id
    import difflib

    known = list_snapshots()
    close = difflib.get_close_matches(str(ref), known, n=3, cutoff=0.4)
    choices = "、".join(close or known) or "（なし）"
    raise WorkbookError(
        f"スナップショット「{ref}」が見つかりません。data/snapshots/ にあるもの: {choices}"
    )


def _check_manifest(path: Path) -> tuple[dict | None, list[Problem]]:
    label = MANIFEST
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        return None, [Problem(label, "", f"{paths.display_path(path)} に manifest.yaml がありません")]
    try:
        manifest = load_yaml_file(manifest_path, MAX_MANIFEST_BYTES)
    except UnsafeYaml as err:
        return None, [Problem(label, "", str(err))]
    if not isinstance(manifest, dict):
        return None, [Problem(label, "", "項目名: 値 の形式で書くこと")]
    problems: list[Problem] = []
    required = ("id", "as_of", "fiscal_year", "first_fiscal_year", "source", "schema_version", "tables")
    for key in required:
        if key not in manifest:
            problems.append(Problem(label, f"項目「{key}」", "必須の項目がありません"))
    if problems:
        return None, problems
    # A wrong id does not stop the checks of the tables (reported with them).
    id_problems: list[Problem] = []
    sid = manifest["id"]
    if not isinstance(sid, str) or not SNAPSHOT_ID.fullmatch(sid):
        id_problems.append(Problem(label, "項目「id」", "ID は英数字・-・_・. で書くこと（例: internal-2023-09-30）"))
    elif sid != path.name:
        id_problems.append(Problem(label, "項目「id」",
                                   f"ID「{sid}」がフォルダ名「{path.name}」と一致しません（ID はフォルダ名と同じにすること）"))
    try:
        as_of = as_of_date(manifest["as_of"])
        if as_of != month_end(as_of.year, as_of.month):
            problems.append(Problem(label, "項目「as_of」", f"{as_of} は月末日ではありません"))
        elif as_of > dt.date.today():
            problems.append(Problem(label, "項目「as_of」", f"{as_of} は未来の日付です（基準日は今日以前であること）"))
    except (ValueError, TypeError):
        problems.append(Problem(label, "項目「as_of」", "日付を YYYY-MM-DD で書くこと"))
        as_of = None
    for key in ("fiscal_year", "first_fiscal_year", "schema_version"):
        if not isinstance(manifest[key], int):
            problems.append(Problem(label, f"項目「{key}」", "整数で書くこと"))
    if manifest["source"] not in SOURCES:
        problems.append(Problem(label, "項目「source」", f"{'、'.join(SOURCES)} のいずれかであること"))
    if manifest.get("schema_version") != SCHEMA_VERSION:
        problems.append(Problem(label, "項目「schema_version」",
                                f"この版のワークブックが読めるのは {SCHEMA_VERSION} です"))
    if as_of and isinstance(manifest["fiscal_year"], int):
        fy = manifest["fiscal_year"]
        if fiscal_year_of(as_of) != fy and not (as_of.month == 4 and as_of.year == fy + 1):
            problems.append(Problem(label, "項目「fiscal_year」",
                                    f"as_of {as_of} は {fy} 年度に属しません"))
        if isinstance(manifest["first_fiscal_year"], int) and manifest["first_fiscal_year"] > fy:
            problems.append(Problem(label, "項目「first_fiscal_year」", "fiscal_year より後です"))
    tables = manifest["tables"]
    if not isinstance(tables, dict) or not set(_TABLES) <= set(tables) <= set(_TABLES) | set(_OPTIONAL):
        problems.append(Problem(label, "項目「tables」",
                                f"表 {', '.join(_TABLES)}（任意で {', '.join(_OPTIONAL)}）をそれぞれ "
                                "file, sha256, rows で書くこと"))
    else:
        for name, entry in tables.items():
            if not isinstance(entry, dict) or not {"file", "sha256", "rows"} <= set(entry):
                problems.append(Problem(label, f"tables.{name}", "file, sha256, rows を書くこと"))
                continue
            if not isinstance(entry["rows"], int) or isinstance(entry["rows"], bool) or entry["rows"] < 0:
                problems.append(Problem(label, f"tables.{name}.rows", "行数を0以上の整数で書くこと"))
            problems += _check_table_file(path, entry["file"], f"tables.{name}.file")
    return (manifest if not problems else None), problems + id_problems


def _check_table_file(folder: Path, name, where: str) -> list[Problem]:
    """A table file is a plain file name inside the snapshot folder: no sub-path, no
    `..`, and no symbolic link that leads out of the folder."""
    if not isinstance(name, str) or not TABLE_FILE.fullmatch(name) or name.startswith("."):
        return [Problem(MANIFEST, where, f"ファイル名「{name}」は使えません（フォルダ内のファイル名だけを書くこと。"
                                          "/ や .. は使えません）")]
    target = folder / name
    if target.is_symlink() or target.exists():
        real = target.resolve()
        if not real.is_relative_to(folder.resolve()):
            return [Problem(MANIFEST, where, f"{name} はスナップショットのフォルダの外を指しています（シンボリックリンク）")]
    return []


# The snapshots this process validated, each reused while its folder's files keep their
# bytes (`helpers.data.kept`); a few, since each holds its tables in memory.
_CHECKED: KeptByContent[Snapshot] = KeptByContent(limit=4)


def check_snapshot(ref: str | Path) -> SnapshotCheck:
    """Find every problem of a snapshot; read-only.

    A snapshot that passed is kept for the process and handed out again (each caller
    gets its own copy of the tables) while every file of its folder has the same
    bytes: validating the sample takes about a second, hashing its files milliseconds.

    Args:
        ref: snapshot id or folder.
    """
    path = resolve_snapshot(ref)
    key = str(path.resolve())
    before = _folder_fingerprint(path)
    kept = _CHECKED.get(key, before)
    if kept is None:
        check = _check_folder(path)
        if not check.ok:
            return check
        kept = check.snapshot
        _CHECKED.put(key, before, _folder_fingerprint(path), kept)
    return SnapshotCheck(path, [], _copy_of(kept, path))


def snapshot_fingerprint(ref: str | Path) -> tuple | None:
    """What identifies a snapshot's bytes: every file of its folder, hashed
    (`helpers.data.kept.fingerprint`); None when the folder cannot be found or read."""
    try:
        return _folder_fingerprint(resolve_snapshot(ref))
    except WorkbookError:
        return None


def _folder_fingerprint(path: Path) -> tuple | None:
    """The files validation may read: the manifest and the tables, which are plain
    names inside the folder (`_check_table_file`), so every file directly in it."""
    try:
        files = sorted(p for p in path.iterdir() if p.is_file())
    except OSError:
        return None
    return fingerprint(files)


def _copy_of(snapshot: Snapshot, path: Path) -> Snapshot:
    """A caller's own snapshot: its tables and manifest copied (a caller that changes
    them changes nobody else's), shown from `path` as this caller named it."""
    return Snapshot(snapshot.id, path, copy.deepcopy(snapshot.manifest), snapshot.areas.copy(),
                    snapshot.measures.copy(), snapshot.progress.copy())


def _check_folder(path: Path) -> SnapshotCheck:
    """Every problem of the snapshot in `path`, read from its files."""
    manifest, problems = _check_manifest(path)
    if manifest is None:
        return SnapshotCheck(path, problems, None)
    frames: dict[str, pd.DataFrame] = {}
    row_labels: dict = {}
    expected: dict[str, int] = {}
    present = {**_TABLES, **{n: s for n, s in _OPTIONAL.items() if n in manifest["tables"]}}
    for name, schema in present.items():
        entry = manifest["tables"][name]
        file_path = path / str(entry["file"])
        label = str(entry["file"])
        if file_path.is_file():
            actual = sha256_of(file_path)
            if actual != str(entry["sha256"]):
                problems.append(Problem(label, "", "sha256 が manifest.yaml と一致しません"
                                        "（ファイルが書き換えられたか、途中で切れています）"))
        raw, read_problems = read_table(file_path, label)
        problems += read_problems
        if raw is None:
            continue
        records = int(raw.attrs.get("records", len(raw)))
        if records != int(entry["rows"]):
            problems.append(Problem(label, "", f"行数が {records:,} 行で、manifest.yaml の "
                                    f"{int(entry['rows']):,} 行と一致しません"))
        row_label = row_label_for(file_path, raw)
        frame, schema_problems = validate_frame(raw, schema, label, row_label)
        del raw  # the raw strings are not needed once typed (a large table's peak memory)
        problems += schema_problems
        if set(schema.dtypes) <= set(frame.columns):  # rules across tables need every column
            frames[name] = frame
            row_labels[name] = row_label
            expected[name] = int(entry["rows"])
    if set(_TABLES) <= set(frames):  # the optional progress table may be there too
        labels = {n: str(manifest["tables"][n]["file"]) for n in _TABLES}
        problems += _check_areas(frames["areas"], labels["areas"], row_labels["areas"])
        problems += _check_measures(frames["measures"], frames["areas"], manifest,
                                    labels["measures"], row_labels["measures"])
    if "progress" in frames:
        problems += _check_progress(frames["progress"], manifest, str(manifest["tables"]["progress"]["file"]),
                                    row_labels["progress"])
    if problems:
        return SnapshotCheck(path, problems, None)
    for name, frame in frames.items():
        # What validation accepted is exactly what the engine reads: no row may have
        # been lost between the file and the tables handed on.
        if len(frame) != expected[name]:
            raise WorkbookError(f"{manifest['tables'][name]['file']}: 検査を通った {len(frame):,} 行が manifest.yaml の "
                                f"{expected[name]:,} 行と一致しません（読み込みの誤りです。開発者に連絡してください）")
    snapshot = Snapshot(str(manifest["id"]), path, manifest, frames["areas"].reset_index(drop=True),
                        _with_years(frames["measures"]),
                        frames.get("progress", _NO_PROGRESS).reset_index(drop=True))
    return SnapshotCheck(path, [], snapshot)


def load_snapshot(ref: str | Path = DEFAULT_SNAPSHOT) -> Snapshot:
    """A validated snapshot, or `InvalidInput` listing every problem."""
    check = check_snapshot(ref)
    if not check.ok:
        raise InvalidInput(
            f"スナップショット {paths.display_path(check.path)} は契約を満たしていません"
            f"（{len(check.problems)} 件）:", check.problems)
    assert check.snapshot is not None
    return check.snapshot


def _limited(problems: list[Problem], label: str, rule: str) -> list[Problem]:
    """Keep the first rows of one rule and count the rest."""
    if len(problems) <= MAX_ROWS_PER_RULE:
        return problems
    rest = len(problems) - MAX_ROWS_PER_RULE
    return problems[:MAX_ROWS_PER_RULE] + [Problem(label, "", f"ほか {rest:,} 行で同じ誤り: {rule}")]


def _check_areas(areas: pd.DataFrame, label: str, row) -> list[Problem]:
    problems: list[Problem] = []
    levels = dict(zip(areas["area_code"], areas["level"]))
    national = areas[areas["level"] == "national"]
    if len(national) != 1:
        problems.append(Problem(label, "列「level」",
                                f"national（全国）の行はちょうど1行であること（{len(national)}行あります）"))
    for i, code, level, parent in zip(areas.index, areas["area_code"], areas["level"], areas["parent_code"]):
        if level not in LEVELS:
            continue
        width = _CODE_WIDTH.get(level)
        if width and code.isdigit() and len(code) != width:
            hint = (f"。Excel で開いて保存すると先頭の 0 が落ちます（{code} → {code.zfill(width)}）。"
                    "列を文字列として保存し直すこと") if len(code) < width else ""
            problems.append(Problem(label, f"{row(i)} 列「area_code」",
                                    f"{LEVEL_LABELS[level]}のコードは{width}桁の数字であること（値: {code}）{hint}"))
        has_parent = parent is not None and not pd.isna(parent)
        if level == "national":
            if has_parent:
                problems.append(Problem(label, f"{row(i)} 列「parent_code」", "全国の行に上位コードは書かないこと"))
            continue
        want = LEVELS[LEVELS.index(level) - 1]
        if not has_parent or parent not in levels:
            problems.append(Problem(label, f"{row(i)} 列「parent_code」",
                                    f"上位コード「{parent if has_parent else ''}」が areas にありません（{code}）"))
        elif levels[parent] != want:
            problems.append(Problem(label, f"{row(i)} 列「parent_code」",
                                    f"{level} の上位は {want} であること（{parent} は {levels[parent]}）"))
    return problems


def _check_measures(measures: pd.DataFrame, areas: pd.DataFrame, manifest: dict, label: str,
                    row) -> list[Problem]:
    problems: list[Problem] = []
    if measures.empty:
        return problems
    levels = dict(zip(areas["area_code"], areas["level"]))
    as_of = as_of_date(manifest["as_of"])
    first = month_end(int(manifest["first_fiscal_year"]), 4)
    dates = pd.to_datetime(measures["period"], format="%Y-%m-%d", errors="coerce")

    bad_date = dates.isna() | (dates != dates + pd.offsets.MonthEnd(0))
    rule = "期間は実在する月末日であること"
    problems += _limited([Problem(label, f"{row(i)} 列「period」", f"{rule}（値: {p}）")
                          for i, p in measures.loc[bad_date, "period"].items()], label, rule)
    good = measures[~bad_date]
    dates = dates[~bad_date]
    late = dates > pd.Timestamp(as_of)
    rule = f"期間が as_of（{as_of}）より後です"
    problems += _limited([Problem(label, f"{row(i)} 列「period」", f"{rule}（値: {p}）")
                          for i, p in good.loc[late, "period"].items()], label, rule)
    if not dates.empty and dates.max() < pd.Timestamp(as_of):
        problems.append(Problem(label, "列「period」",
                                f"基準日（as_of）{as_of} の月の行が1行もありません（最も新しい期間は "
                                f"{dates.max().date()}）。基準日の月まで書き出すか、as_of を直すこと"))
    early = dates < pd.Timestamp(first)
    rule = f"期間がスナップショットの年度（{manifest['first_fiscal_year']}年度～{manifest['fiscal_year']}年度）の外です"
    problems += _limited([Problem(label, f"{row(i)} 列「period」", f"{rule}（値: {p}）")
                          for i, p in good.loc[early, "period"].items()], label, rule)

    unknown = ~good["area_code"].isin(levels)
    rule = "地域コードが areas にありません"
    problems += _limited([Problem(label, f"{row(i)} 列「area_code」", f"{rule}（値: {c}）{_zero_hint(c, levels)}")
                          for i, c in good.loc[unknown, "area_code"].items()], label, rule)
    known = good[~unknown & good["measure"].isin(MEASURES)]
    want_level = known["measure"].map({n: m.level for n, m in MEASURES.items()})
    wrong = known["area_code"].map(levels) != want_level
    rule = "この指標はこの階層の地域では計上しません"
    problems += _limited([Problem(label, f"{row(i)} 列「area_code」",
                                  f"指標 {m} は{LEVEL_LABELS[MEASURES[m].level]}の単位で計上すること"
                                  f"（{c} は{LEVEL_LABELS.get(levels[c], levels[c])}）")
                          for i, m, c in zip(known.index[wrong], known.loc[wrong, "measure"],
                                             known.loc[wrong, "area_code"])], label, rule)

    problems += _check_premium_years(known, dates.loc[known.index], label, row)
    problems += _check_months(known, dates.loc[known.index], label)
    problems += _check_bounds(known, label, row)
    problems += _check_breakdowns(known, label)
    return problems


def _check_months(known: pd.DataFrame, dates: pd.Series, label: str) -> list[Problem]:
    """A `flow` measure is reported every month (data/snapshots/README.md): a measure
    and area with rows before and after a month must have rows in it. A missing month
    would make a year-to-date sum quietly smaller, so the gap is refused, with the
    month, the measures and the number of areas it concerns. (`stock` and `ytd` measures
    are read at the month asked for, so a gap cannot shrink a figure; a month without
    them reads as no data.)"""
    flows = known["measure"].isin(EVERY_MONTH).to_numpy()
    if not flows.any():
        return []
    known, dates = known[flows], dates[flows]
    keys = pd.DataFrame({"measure": known["measure"].to_numpy(), "area": known["area_code"].to_numpy(),
                         "month": (dates.dt.year * 12 + dates.dt.month - 1).to_numpy()}).drop_duplicates()
    spans = keys.groupby(["measure", "area"], sort=False)["month"].agg(["min", "max", "count"])
    gapped = spans[spans["max"] - spans["min"] + 1 != spans["count"]]
    if gapped.empty:
        return []
    have = keys.set_index(["measure", "area"]).sort_index()
    missing: dict[int, dict[str, int]] = {}
    for (measure, area), span in gapped.iterrows():
        present = set(have.loc[(measure, area), "month"].tolist())
        for month in range(int(span["min"]), int(span["max"]) + 1):
            if month not in present:
                per_month = missing.setdefault(month, {})
                per_month[measure] = per_month.get(measure, 0) + 1
    out = []
    for month in sorted(missing):
        measures = missing[month]
        names = sorted(measures)
        shown = "、".join(names[:5]) + (f" ほか {len(names) - 5} 種類" if len(names) > 5 else "")
        end = month_end(month // 12, month % 12 + 1)
        out.append(Problem(label, f"期間 {end}",
                           f"前後の月にある行がこの月にありません（指標 {len(names)} 種類: {shown}。"
                           f"地域の延べ {sum(measures.values()):,} か所）。月が抜けると年度累計が過小になるため、"
                           "この月の行を含めて書き出し直すこと"))
    return _limited(out, label, "月の抜け")


def _check_breakdowns(known: pd.DataFrame, label: str) -> list[Problem]:
    """Where a total and all its parts are given for a period and area, the parts add
    up to the total (主要7届書 = the seven forms; セミナー・説明会 = the two kinds)."""
    out: list[Problem] = []
    keys = ["period", "area_code"]
    for total, parts in BREAKDOWNS.items():
        whole = known[known["measure"] == total].set_index(keys)["value"]
        pieces = known[known["measure"].isin(parts)]
        if whole.empty or pieces.empty:
            continue
        complete = pieces.groupby(keys)["measure"].nunique() == len(parts)
        summed = pieces.groupby(keys)["value"].sum()[complete]
        joined = pd.concat([whole.rename("total"), summed.rename("parts")], axis=1, join="inner")
        bad = joined[joined["total"] != joined["parts"]]
        rule = f"{MEASURES[total].label_ja}（{total}）が内訳（{'、'.join(parts)}）の合計と一致しません"
        out += _limited([Problem(label, f"期間 {p}、地域 {a}", f"{rule}（{t:,.0f} ≠ 内訳の合計 {s:,.0f}）")
                         for (p, a), t, s in zip(bad.index, bad["total"], bad["parts"])], label, rule)
    return out


def _check_progress(progress: pd.DataFrame, manifest: dict, label: str, row) -> list[Problem]:
    """The report on each 計画事項 or deliverable: a known item and deliverable, one row
    per item and deliverable (an item-level row, with no deliverable, applies to all of
    the item's deliverables), a done date exactly when 完了 and not after the 基準日.
    Items are checked against the register of the snapshot's year's plan when there is
    one; a run on another plan checks them against its own (`progress_item_problems`)."""
    as_of = as_of_date(manifest["as_of"])
    register = _year_register(as_of)
    out: list[Problem] = [] if register is None else progress_item_problems(progress, register, label, row)
    as_of = as_of.isoformat()
    seen: dict[tuple[str, str], str] = {}
    for i, item, deliverable, status, done in zip(progress.index, progress["item_id"], progress["deliverable"],
                                                  progress["status"], progress["done_on"]):
        where = row(i)
        part = None if pd.isna(deliverable) else str(deliverable)
        key = (str(item), part or "")
        if key in seen:
            what = f"{item} の {part}" if part else f"{item}（事項全体）"
            out.append(Problem(label, f"{where} 列「item_id」", f"{what} の行が {seen[key]} と重複しています"))
        seen.setdefault(key, where)
        has_date = not pd.isna(done)
        if status == "完了" and not has_date:
            out.append(Problem(label, f"{where} 列「done_on」", "状況が「完了」の行には完了日を書くこと"))
        elif status != "完了" and has_date:
            out.append(Problem(label, f"{where} 列「done_on」", f"完了日は状況が「完了」の行だけに書くこと（状況: {status}）"))
        elif has_date:
            try:
                day = dt.date.fromisoformat(str(done)).isoformat()
            except ValueError:
                out.append(Problem(label, f"{where} 列「done_on」", f"実在する日付を書くこと（値: {done}）"))
                continue
            if day > as_of:
                out.append(Problem(label, f"{where} 列「done_on」", f"完了日 {day} が基準日 {as_of} より後です"))
    return out[:MAX_ROWS_PER_RULE]


def _year_register(as_of: dt.date):
    """The register of the plan for the 基準日's fiscal year, or None when that year has
    no plan file yet (the run's chosen plan checks the items then)."""
    from helpers.data.plan import load_plan, plan_file_for

    chosen = paths.resolve(plan_file_for(fiscal_year_of(as_of)))
    if not chosen.is_file():
        return None
    plan = load_plan(chosen)
    return plan.register() if plan.register_file else None


def check_plan_fit(snapshot: Snapshot, plan) -> None:
    """Refuse a run whose plan's register does not know the 計画事項 the snapshot reports
    on (a plan file other than its year's, given with --plan): `InvalidInput` naming
    each row, so that no report is silently missing a reported item."""
    if plan.fiscal_year != snapshot.fiscal_year or plan.register_file is None or snapshot.progress.empty:
        return
    label = str(snapshot.manifest["tables"]["progress"]["file"])
    problems = progress_item_problems(snapshot.progress, plan.register(), label)
    if problems:
        raise InvalidInput(f"スナップショット {snapshot.id} の計画事項の報告が、計画ファイル {plan.file} の"
                           f"計画事項の一覧と合いません（{len(problems)} 件）:", problems)


def progress_item_problems(progress: pd.DataFrame, register, label: str, row=None) -> list[Problem]:
    """Every progress row names an item of `register` and, if any, one of its
    deliverables (rows are named by `row(index)`, else by their item)."""
    items = {i.id: i for i in register.items}
    source = f"計画事項の一覧（{register.file}）"
    out: list[Problem] = []
    for i, item, deliverable in zip(progress.index, progress["item_id"], progress["deliverable"]):
        where = row(i) if row else f"計画事項 {item} の行"
        part = None if pd.isna(deliverable) else str(deliverable)
        if item not in items:
            out.append(Problem(label, f"{where} 列「item_id」", f"計画事項 {item} は{source}にありません"))
        elif part is not None and part not in {d.id for d in items[item].deliverables}:
            known = "、".join(d.id for d in items[item].deliverables)
            out.append(Problem(label, f"{where} 列「deliverable」",
                               f"計画事項 {item} に取組 {part} はありません（{known} のいずれか。事項全体なら空欄）"))
    return out


def _zero_hint(code: str, known) -> str:
    """A hint when a code is a known one without its leading zeros (Excel strips them)."""
    if code.isdigit():
        for width in (2, 5):
            if len(code) < width and code.zfill(width) in known:
                return f"。Excel で先頭の 0 が落ちた可能性があります（{code.zfill(width)} のこと）"
    return ""


def _check_premium_years(known: pd.DataFrame, dates: pd.Series, label: str, row) -> list[Problem]:
    lags = known["measure"].map({n: m.premium_lag for n, m in MEASURES.items()}).astype("Float64")
    fy = dates.dt.year.where(dates.dt.month >= 4, dates.dt.year - 1)
    has_pfy = known["premium_fy"].notna()
    out: list[Problem] = []
    stray = has_pfy & lags.isna()
    rule = "この指標は保険料年度を持ちません（premium_fy は空にすること）"
    out += _limited([Problem(label, f"{row(i)} 列「premium_fy」", rule) for i in known.index[stray]], label, rule)
    lagged = lags.notna()
    pfy = known["premium_fy"].astype("Float64").where(has_pfy, fy.astype("Float64"))
    measured = pfy + lags.astype("Float64")
    fits = (measured == fy) | ((measured == fy - 1) & (dates.dt.month == 4))
    bad = lagged & ~fits.fillna(False).astype(bool)
    rule = ("保険料年度がこの期間に合いません（現年度分は当年度分、最終納付率は2年前の年度分。"
            "4月末の行は前年度分の確定値）")
    out += _limited([Problem(label, f"{row(i)} 列「premium_fy」",
                             f"{rule}（指標 {m}、期間 {p}、保険料年度 {'' if pd.isna(y) else int(y)}）")
                     for i, m, p, y in zip(known.index[bad], known.loc[bad, "measure"],
                                           known.loc[bad, "period"], known.loc[bad, "premium_fy"])],
                    label, rule)
    return out


def _check_bounds(known: pd.DataFrame, label: str, row) -> list[Problem]:
    out: list[Problem] = []
    keys = ["period", "area_code", "premium_fy"]
    for numerator, denominator in bounded_pairs():
        num = known[known["measure"] == numerator]
        den = known[known["measure"] == denominator]
        if num.empty:
            continue
        joined = num.reset_index().merge(den[keys + ["value"]], on=keys, how="left",
                                         suffixes=("", "_den"))
        missing = joined["value_den"].isna()
        rule = f"{numerator} に対応する {denominator} の行がありません"
        out += _limited([Problem(label, f"{row(i)}", f"{rule}（期間 {p}、地域 {a}）")
                         for i, p, a in zip(joined.loc[missing, "index"], joined.loc[missing, "period"],
                                            joined.loc[missing, "area_code"])], label, rule)
        over = ~missing & (joined["value"] > joined["value_den"])
        rule = f"{MEASURES[numerator].label_ja}（{numerator}）が {MEASURES[denominator].label_ja}（{denominator}）を超えています"
        out += _limited([Problem(label, f"{row(i)} 列「value」", f"{rule}（{v:,.0f} > {d:,.0f}）")
                         for i, v, d in zip(joined.loc[over, "index"], joined.loc[over, "value"],
                                            joined.loc[over, "value_den"])], label, rule)
    return out


def _with_years(measures: pd.DataFrame) -> pd.DataFrame:
    """Add Timestamp periods, the fiscal year of each period and the premium year."""
    out = measures.copy()
    out["period"] = pd.to_datetime(out["period"], format="%Y-%m-%d")
    out["fy"] = out["period"].dt.year.where(out["period"].dt.month >= 4, out["period"].dt.year - 1)
    lagged = out["measure"].isin([n for n, m in MEASURES.items() if m.premium_lag is not None])
    pfy = out["premium_fy"].astype("Int64")
    out["pfy"] = pfy.where(pfy.notna(), out["fy"].astype("Int64")).where(lagged, pd.NA).astype("Int64")
    out["value"] = out["value"].astype("float64")
    return out.reset_index(drop=True)

