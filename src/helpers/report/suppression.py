"""Small-count suppression for published office-level tables.

As in Japanese official statistics, a small count that could identify people is shown
as ``x`` (primary suppression), and where a group's total is published, one more cell
of the same group is hidden so that the total minus the others cannot reveal it
(complementary suppression).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["SUPPRESSED", "MIN_COUNT", "suppress_counts", "count_cells"]

SUPPRESSED = "x"
MIN_COUNT = 3  # counts of 1 and 2 are hidden; 0 reveals no one and is shown


def suppress_counts(values: pd.Series, groups: pd.Series, min_count: int = MIN_COUNT) -> pd.Series:
    """Which cells to hide: primary cells (0 < count < min_count), plus, in any group
    with exactly one hidden cell, the smallest other non-zero cell of that group.

    Args:
        values: counts, one per row.
        groups: the group (e.g. prefecture) whose total is published, one per row.

    Returns:
        A boolean Series, True where the cell must be shown as ``x``.

    >>> v = pd.Series([1, 5, 9, 0, 7, 8])
    >>> g = pd.Series(["a", "a", "a", "b", "b", "b"])
    >>> suppress_counts(v, g).tolist()
    [True, True, False, False, False, False]
    """
    hide = (values > 0) & (values < min_count)
    for _, index in values.groupby(groups, sort=True).groups.items():
        members = values.loc[index]
        hidden = hide.loc[index]
        if hidden.sum() == 1:
            candidates = members[~hidden & (members > 0)]
            if len(candidates):
                hide.loc[candidates.sort_values(kind="stable").index[0]] = True
    return hide


def count_cells(values: pd.Series, groups: pd.Series, *, suppress: bool) -> list[str]:
    """Counts as table text ('1,234'), with `x` where suppression applies.

    >>> count_cells(pd.Series([1, 5, 9]), pd.Series(["a", "a", "a"]), suppress=True)
    ['x', 'x', '9']
    """
    text = [f"{v:,.0f}" for v in values]
    if not suppress:
        return text
    hide = suppress_counts(values, groups)
    return [SUPPRESSED if h else t for h, t in zip(hide, text)]
