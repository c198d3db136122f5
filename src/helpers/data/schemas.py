"""Table schemas of the snapshot contract, declared with pandera, and their failures
turned into Japanese messages that name the file, the row and the column.

Validation runs in two pandera passes: the first only coerces types (so that a value
that is not a number is reported as such), the second runs the value checks on the
rows whose types are sound (pandera cannot compare a column that failed coercion).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from helpers.core.errors import Problem
from helpers.core.statuses import REPORTED_STATUSES
from helpers.data.contract import LEVELS, MEASURES

__all__ = ["TableSchema", "AREAS", "MEASURE_ROWS", "validate_frame", "parse_column", "MAX_ROWS_PER_RULE"]

MAX_ROWS_PER_RULE = 10  # rows listed per broken rule; the rest are counted

_MONTH_END = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class TableSchema:
    """A table of the contract: its column types, value checks and key.

    Attributes:
        name: the table's name in the manifest.
        dtypes: column -> pandas dtype after coercion.
        checks: the pandera schema of value checks (on coerced data).
        key: columns that identify a row.
        labels: column -> Japanese label used in messages.
        nullable: columns that may be empty.
        rule_texts: wording of the table's own named checks.
        optional: columns a file may leave out altogether (read as empty): columns
            added to the contract later, so that older files stay valid.
    """

    name: str
    dtypes: dict[str, str]
    checks: pa.DataFrameSchema
    key: list[str]
    labels: dict[str, str]
    nullable: tuple[str, ...] = ()
    rule_texts: dict[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()  # columns a file may leave out (read as empty)

    def type_schema(self) -> pa.DataFrameSchema:
        """Pass one: every column present and no other column. Types are parsed by
        `parse_column`, not by pandera: pandera's coercion (Python's float()) reads
        '５６５１３', '1_000' and 'inf', which the engine must never be handed."""
        columns = {c: pa.Column(nullable=True) for c in self.dtypes}
        return pa.DataFrameSchema(columns, strict=True)


AREAS = TableSchema(
    name="areas",
    dtypes={"area_code": "str", "name_ja": "str", "level": "str", "parent_code": "str"},
    checks=pa.DataFrameSchema(
        {
            "area_code": pa.Column(str, pa.Check.str_matches(r"^[0-9A-Za-z_-]+$"), unique=True),
            "name_ja": pa.Column(str, pa.Check.str_length(min_value=1)),
            "level": pa.Column(str, pa.Check.isin(list(LEVELS))),
            "parent_code": pa.Column(str, nullable=True),
        }
    ),
    key=["area_code"],
    labels={"area_code": "地域コード", "name_ja": "名称", "level": "階層", "parent_code": "上位コード"},
    nullable=("parent_code",),
)

MEASURE_ROWS = TableSchema(
    name="measures",
    dtypes={
        "period": "str",
        "area_code": "str",
        "measure": "str",
        "premium_fy": "Int64",
        "value": "float64",
    },
    checks=pa.DataFrameSchema(
        {
            "period": pa.Column(str, pa.Check.str_matches(_MONTH_END)),
            "area_code": pa.Column(str),
            "measure": pa.Column(str, pa.Check.isin(sorted(MEASURES))),
            "premium_fy": pa.Column("Int64", pa.Check.in_range(1990, 2100), nullable=True),
            "value": pa.Column("float64", pa.Check.ge(0)),
        },
        unique=["period", "area_code", "measure", "premium_fy"],
    ),
    key=["period", "area_code", "measure", "premium_fy"],
    labels={
        "period": "期間（月末日）",
        "area_code": "地域コード",
        "measure": "指標",
        "premium_fy": "保険料年度",
        "value": "値",
    },
    nullable=("premium_fy",),
)


PROGRESS = TableSchema(
    name="progress",
    dtypes={"item_id": "str", "deliverable": "str", "status": "str", "done_on": "str", "note": "str",
            "grade": "str", "grade_reason": "str", "issues": "str", "department": "str"},
    checks=pa.DataFrameSchema(
        {
            "item_id": pa.Column(str, pa.Check.str_matches(r"^R(0[1-9]|1[0-2])-\d{2}$")),
            "deliverable": pa.Column(str, pa.Check.str_matches(r"^D\d{1,2}$"), nullable=True),
            "status": pa.Column(str, pa.Check.isin(list(REPORTED_STATUSES))),
            "done_on": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$"), nullable=True),
            "note": pa.Column(str, pa.Check.str_length(max_value=400), nullable=True),
            "grade": pa.Column(str, pa.Check.isin(["S", "A", "B", "C", "D"]), nullable=True),
            "grade_reason": pa.Column(str, pa.Check.str_length(max_value=400), nullable=True),
            "issues": pa.Column(str, pa.Check.str_length(max_value=400), nullable=True),
            "department": pa.Column(str, pa.Check.str_length(max_value=60), nullable=True),
        }
    ),
    key=["item_id", "deliverable"],
    labels={"item_id": "計画事項ID", "deliverable": "取組ID", "status": "状況", "done_on": "完了日",
            "note": "取組状況", "grade": "自己評価", "grade_reason": "評定の理由", "issues": "課題と今後の対応",
            "department": "担当部署"},
    nullable=("deliverable", "done_on", "note", "grade", "grade_reason", "issues", "department"),
    optional=("deliverable", "grade_reason", "issues", "department"),
)


def _rule_text(check: str, column: str, table: TableSchema) -> str:
    """Japanese wording of a pandera check name."""
    label = table.labels.get(column, column)
    if check in table.rule_texts:
        return table.rule_texts[check]
    if check.startswith("coerce_dtype") or check.startswith("dtype"):
        want = table.dtypes.get(column, "")
        kind = {"float64": "数値", "Int64": "整数（西暦年）"}.get(want, "文字列")
        return f"{label}が{kind}として読めません"
    if check == "not_nullable":
        return f"{label}が空です（必須の項目です）"
    if check.startswith("greater_than_or_equal_to"):
        return f"{label}が負の数です（件数・金額は0以上であること）"
    if check.startswith("isin"):
        if column == "measure":
            return "契約にない指標名です（data/snapshots/README.md の指標一覧を参照）"
        if column == "level":
            return f"階層は {', '.join(LEVELS)} のいずれかであること"
        return f"{label}が決められた値ではありません"
    if check.startswith("str_matches"):
        if column == "period":
            return "期間は月末日を YYYY-MM-DD で書くこと（例: 2023-09-30）"
        return f"{label}に使えない文字があります（英数字・-・_ のみ）"
    if check.startswith("str_length"):
        high = check[len("str_length("):-1].partition(",")[2]
        if high.strip() not in ("", "None"):
            return f"{label}が長すぎます（上限 {int(high)} 文字）"
        return f"{label}が空です"
    if check.startswith("in_range"):
        return f"{label}は西暦の年度（例: 2021）で書くこと"
    if check in ("field_uniqueness", "multiple_fields_uniqueness"):
        keys = "・".join(table.labels[c] for c in table.key)
        return f"同じ {keys} の行が重複しています"
    return f"{label}: 規則「{check}」に違反しています"


def _group_failures(
    cases: pd.DataFrame, table: TableSchema, file_label: str, row_label: Callable[[int], str]
) -> list[Problem]:
    """One message per broken row and rule; rules that span columns (duplicate keys,
    table-wide checks) once per row, not once per column."""
    problems: list[Problem] = []
    columns = _rule_columns(cases)
    for check, column in dict.fromkeys(zip(cases["check"], columns)):
        rows = cases[(cases["check"] == check) & (columns == column)]
        if check == "column_in_schema":
            for value in rows["failure_case"]:
                problems.append(Problem(file_label, f"列「{value}」", "契約にない列です（列名の誤りか、余分な列）"))
            continue
        if check == "column_in_dataframe":
            for value in rows["failure_case"]:
                label = table.labels.get(str(value), str(value))
                problems.append(Problem(file_label, f"列「{value}」", f"必須の列（{label}）がありません"))
            continue
        indexes = sorted({int(i) for i in rows["index"].dropna()})
        examples = {int(r["index"]): r["failure_case"] for _, r in rows.iterrows() if pd.notna(r["index"])}
        shown = indexes[:MAX_ROWS_PER_RULE]
        where_col = "" if column == "*" else f"列「{column}」"
        for i in shown:
            value = examples.get(i)
            value_text = "" if column == "*" or value is None or pd.isna(value) else _quoted(value, check)
            problems.append(Problem(file_label, f"{row_label(i)} {where_col}".strip(),
                                    _rule_text(check, column, table) + value_text))
        if len(indexes) > len(shown):
            problems.append(Problem(file_label, where_col,
                                    f"ほか {len(indexes) - len(shown):,} 行で同じ誤り: "
                                    + _rule_text(check, column, table)))
    return problems


_QUOTE_CHARS = 40  # a long text (a progress note) is quoted by its start, not echoed whole


def _quoted(value, check: str) -> str:
    """The offending value as shown in a message: at most its first 40 characters, with
    its length where the rule is about length.

    >>> _quoted("あ" * 50, "str_length(None, 40)")
    '（50文字。値: ああああああああああああああああああああああああああああああああああああああああ…）'
    """
    text = str(value)
    shown = text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + "…"
    length = f"{len(text):,}文字。" if check.startswith("str_length") else ""
    return f"（{length}値: {shown}）"


def _rule_columns(cases: pd.DataFrame) -> pd.Series:
    """The column a failure belongs to, or '*' for checks of the whole table."""
    column = cases["column"].astype(object).where(cases["column"].notna(), "")
    table_wide = (cases["schema_context"] == "DataFrameSchema") & ~cases["check"].isin(
        ["column_in_schema", "column_in_dataframe"])
    return column.where(~table_wide, "*")


def validate_frame(
    raw: pd.DataFrame, table: TableSchema, file_label: str, row_label: Callable[[int], str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Check a raw table against its schema.

    Args:
        raw: the table as read (CSV columns as strings, Parquet as stored).
        table: the schema.
        file_label: the file name shown in messages.
        row_label: turns a 0-based data row index into the analyst's row wording.

    Returns:
        The table with coerced types, only the rows whose types are sound, and the
        problems found (empty when the table is valid).
    """
    frame = raw.copy()
    for column in table.optional:
        if column not in frame.columns:
            frame[column] = pd.NA
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            stripped = frame[column].astype("string").str.strip()
            frame[column] = stripped.mask(stripped == "", pd.NA)
    problems: list[Problem] = []
    try:
        table.type_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[~cases["check"].astype(str).str.startswith("dtype(")]
        problems += _group_failures(cases, table, file_label, row_label)
        if (cases["check"].isin(["column_in_dataframe"])).any():
            return frame.iloc[0:0], problems
        frame = frame.drop(columns=[c for c in frame.columns if c not in table.dtypes])

    frame, bad_rows, coerce_problems = _coerce(frame, table, file_label, row_label)
    problems += coerce_problems
    sound = frame.drop(index=list(bad_rows))
    for column in table.dtypes:
        if column in table.nullable:
            continue
        missing = sound[column].isna()
        for i in list(sound.index[missing])[:MAX_ROWS_PER_RULE]:
            problems.append(Problem(file_label, f"{row_label(int(i))} 列「{column}」",
                                    _rule_text("not_nullable", column, table)))
        if missing.sum() > MAX_ROWS_PER_RULE:
            problems.append(Problem(file_label, f"列「{column}」",
                                    f"ほか {missing.sum() - MAX_ROWS_PER_RULE:,} 行で値が空です"))
        sound = sound[~missing]
    try:
        table.checks.validate(sound, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["check"] != "not_nullable"]
        problems += _group_failures(cases, table, file_label, row_label)
    return sound, problems


_NUMBER_HINT = "。半角数字で書くこと（全角数字・桁区切りの , や _・指数・inf・nan は使えません）"
_DECIMAL = r"-?[0-9]+(?:\.[0-9]+)?"
_INTEGER = r"-?[0-9]+"


def parse_column(series: pd.Series, dtype: str) -> tuple[pd.Series, pd.Series]:
    """The one rule that turns a column into its contract type, for validation and
    loading alike.

    Numbers are half-width digits with an optional minus sign and decimal point
    (``56513``, ``1234.5``). Full-width digits, digit separators (``1,000``, ``1_000``),
    exponents, ``inf`` and ``nan`` are refused, not converted: see
    data/snapshots/README.md. Parquet numbers must be finite.

    Returns:
        (parsed, failed): the typed column, and a mask of the non-empty cells that do
        not follow the rule.
    """
    present = series.notna()
    if dtype == "str":
        return series.astype("str"), pd.Series(False, index=series.index)  # Arrow strings: fast comparisons
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype("float64")
        ok = np.isfinite(numbers.to_numpy(dtype="float64", na_value=np.nan))
        if dtype == "Int64":
            ok &= (numbers % 1 == 0).to_numpy(dtype=bool, na_value=False)
        failed = present & ~pd.Series(ok, index=series.index)
    else:
        text = series.astype("string")
        pattern = _INTEGER if dtype == "Int64" else _DECIMAL
        matches = text.str.fullmatch(pattern).fillna(False).astype(bool)
        failed = present & ~matches
        numbers = pd.to_numeric(text.where(matches), errors="coerce").astype("float64")
    numbers = numbers.where(~failed)
    if dtype == "Int64":
        return numbers.astype("Int64"), failed
    return numbers.astype("float64"), failed


def _coerce(frame: pd.DataFrame, table: TableSchema, file_label: str,
            row_label: Callable[[int], str]) -> tuple[pd.DataFrame, set[int], list[Problem]]:
    """Coerce each column by `parse_column`; every cell that breaks the rule is
    reported with its row and value, and its row is kept out of the checked table."""
    out = frame.copy()
    bad: set[int] = set()
    problems: list[Problem] = []
    for column, dtype in table.dtypes.items():
        parsed, failed = parse_column(out[column], dtype)
        out[column] = parsed
        rows = list(out.index[failed.to_numpy()])
        rule = _rule_text(f"coerce_dtype('{dtype}')", column, table)
        for i in rows[:MAX_ROWS_PER_RULE]:
            problems.append(Problem(file_label, f"{row_label(int(i))} 列「{column}」",
                                    f"{rule}（値: {frame.at[i, column]}）{_NUMBER_HINT if dtype != 'str' else ''}"))
        if len(rows) > MAX_ROWS_PER_RULE:
            problems.append(Problem(file_label, f"列「{column}」",
                                    f"ほか {len(rows) - MAX_ROWS_PER_RULE:,} 行で同じ誤り: {rule}"))
        bad |= {int(i) for i in rows}
    return out, bad, problems
