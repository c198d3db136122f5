"""Geography of the synthetic sample: real prefectures, the usual 地方区分 as regions,
and made-up offices.

The service's own 地域部 list was not found in public sources, so the
sample's regional level is the common eight-region 地方区分, and says so. Offices get
made-up names and codes (沖縄第1事務所, 47001) so that no chart of sample data can be
mistaken for a real 年金事務所.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.contract import NATIONAL_CODE

__all__ = ["REGIONS", "PREFECTURES", "OFFICE_COUNT", "office_counts", "build_areas"]

OFFICE_COUNT = 312  # 年金事務所, as the service publishes

REGIONS = {
    "R1": "北海道地方",
    "R2": "東北地方",
    "R3": "関東地方",
    "R4": "中部地方",
    "R5": "近畿地方",
    "R6": "中国地方",
    "R7": "四国地方",
    "R8": "九州・沖縄地方",
}

# (JIS code, name, region, population in 万人 from the 2020 census, rounded).
# The population only shapes the sample (office count and size); no report shows it.
PREFECTURES: list[tuple[str, str, str, int]] = [
    ("01", "北海道", "R1", 522), ("02", "青森県", "R2", 124), ("03", "岩手県", "R2", 121),
    ("04", "宮城県", "R2", 230), ("05", "秋田県", "R2", 96), ("06", "山形県", "R2", 107),
    ("07", "福島県", "R2", 183), ("08", "茨城県", "R3", 287), ("09", "栃木県", "R3", 193),
    ("10", "群馬県", "R3", 194), ("11", "埼玉県", "R3", 734), ("12", "千葉県", "R3", 628),
    ("13", "東京都", "R3", 1405), ("14", "神奈川県", "R3", 924), ("15", "新潟県", "R4", 220),
    ("16", "富山県", "R4", 103), ("17", "石川県", "R4", 113), ("18", "福井県", "R4", 77),
    ("19", "山梨県", "R4", 81), ("20", "長野県", "R4", 205), ("21", "岐阜県", "R4", 198),
    ("22", "静岡県", "R4", 363), ("23", "愛知県", "R4", 754), ("24", "三重県", "R5", 177),
    ("25", "滋賀県", "R5", 141), ("26", "京都府", "R5", 258), ("27", "大阪府", "R5", 884),
    ("28", "兵庫県", "R5", 547), ("29", "奈良県", "R5", 132), ("30", "和歌山県", "R5", 92),
    ("31", "鳥取県", "R6", 55), ("32", "島根県", "R6", 67), ("33", "岡山県", "R6", 189),
    ("34", "広島県", "R6", 280), ("35", "山口県", "R6", 134), ("36", "徳島県", "R7", 72),
    ("37", "香川県", "R7", 95), ("38", "愛媛県", "R7", 133), ("39", "高知県", "R7", 69),
    ("40", "福岡県", "R8", 514), ("41", "佐賀県", "R8", 81), ("42", "長崎県", "R8", 131),
    ("43", "熊本県", "R8", 174), ("44", "大分県", "R8", 112), ("45", "宮崎県", "R8", 107),
    ("46", "鹿児島県", "R8", 159), ("47", "沖縄県", "R8", 147),
]

OKINAWA = "47"


def _short_name(name: str) -> str:
    """'沖縄県' -> '沖縄', '東京都' -> '東京', '北海道' stays."""
    return name if name == "北海道" else name[:-1]


def office_counts() -> dict[str, int]:
    """Offices per prefecture: two each, the rest by population (largest remainder)."""
    pops = np.array([p[3] for p in PREFECTURES], dtype=float)
    rest = OFFICE_COUNT - 2 * len(PREFECTURES)
    quota = rest * pops / pops.sum()
    counts = np.floor(quota).astype(int)
    left = rest - counts.sum()
    order = sorted(range(len(quota)), key=lambda i: (-(quota[i] - counts[i]), i))
    for i in order[:left]:
        counts[i] += 1
    return {p[0]: int(2 + c) for p, c in zip(PREFECTURES, counts)}


def build_areas() -> pd.DataFrame:
    """The area table: 全国, 8 regions, 47 prefectures, 312 offices."""
    rows = [(NATIONAL_CODE, "全国", "national", None)]
    rows += [(code, name, "region", NATIONAL_CODE) for code, name in REGIONS.items()]
    rows += [(code, name, "prefecture", region) for code, name, region, _ in PREFECTURES]
    counts = office_counts()
    for code, name, _, _ in PREFECTURES:
        for n in range(1, counts[code] + 1):
            rows.append((f"{code}{n:03d}", f"{_short_name(name)}第{n}事務所", "office", code))
    return pd.DataFrame(rows, columns=["area_code", "name_ja", "level", "parent_code"])
