"""The snapshot contract: area levels, measure kinds, and every measure a snapshot may hold.

A measure is a base count or amount, never a rate. Its kind says how it adds up over
time within a fiscal year:

- ``flow``: each month's own figure; a period's total is the sum of its months.
- ``stock``: a level at the month end; a period's figure is its last month's.
- ``ytd``: cumulative from April within the fiscal year; the period's last month.

Measures tied to a premium year (国民年金の納付月数 and 納付対象月数) carry a
``premium_lag``: the premiums that the measurement year ``X`` reports are those of
``X - premium_lag`` (0 for 現年度, 2 for 最終納付率). Their measurement window runs from
April of ``X`` to the cut-off at the end of April ``X + 1``; the April row of the next
fiscal year therefore says its premium year in the ``premium_fy`` column.

`data/snapshots/README.md` documents the same contract for analysts; a test keeps the
two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SCHEMA_VERSION",
    "LEVELS",
    "LEVEL_LABELS",
    "KINDS",
    "Measure",
    "MEASURES",
    "NATIONAL_CODE",
    "EVERY_MONTH",
    "bounded_pairs",
]

SCHEMA_VERSION = 1

LEVELS = ("national", "region", "prefecture", "office")
LEVEL_LABELS = {"national": "全国", "region": "地域", "prefecture": "都道府県", "office": "年金事務所"}
KINDS = ("flow", "stock", "ytd")
NATIONAL_CODE = "00"


@dataclass(frozen=True)
class Measure:
    """One measure of the contract.

    Attributes:
        name: the identifier used in the ``measure`` column.
        label_ja: what an analyst calls it.
        unit: unit of ``value`` (月, 人, 件, 事業所, 円, 分).
        kind: ``flow``, ``stock`` or ``ytd``.
        level: the area level its rows are reported at (rolled up from there).
        premium_lag: for premium-year measures, measurement year minus premium year.
        bounded_by: a measure this one can never exceed for the same key.
        description: the definition, in Japanese.
    """

    name: str
    label_ja: str
    unit: str
    kind: str
    level: str
    description: str
    premium_lag: int | None = None
    bounded_by: str | None = None


def _m(name, label_ja, unit, kind, level, description, premium_lag=None, bounded_by=None):
    return Measure(name, label_ja, unit, kind, level, description, premium_lag, bounded_by)


_DEFINITIONS = [
    # 国民年金: 収納
    _m("due_months_current", "現年度分 納付対象月数", "月", "ytd", "office",
       "当該年度分保険料のうち、月末時点で納付期限が到来した月（4月分～前月分）の納付対象月数。"
       "法定免除・申請全額免除・学生納付特例・納付猶予の月を含まない。", premium_lag=0),
    _m("paid_months_current", "現年度分 納付月数", "月", "ytd", "office",
       "上の納付対象月数のうち、月末までに納付された月数。", premium_lag=0,
       bounded_by="due_months_current"),
    _m("due_months_final", "過年度2年目分 納付対象月数", "月", "stock", "office",
       "2年前の年度分保険料（最終納付率の対象）の納付対象月数。", premium_lag=2),
    _m("paid_months_final", "過年度2年目分 納付月数", "月", "stock", "office",
       "2年前の年度分保険料のうち、月末までに納付された月数。", premium_lag=2,
       bounded_by="due_months_final"),
    _m("payers_total", "保険料納付者数", "人", "stock", "office",
       "月末時点で保険料を納付している第1号被保険者の数。"),
    _m("autopay_payers", "口座振替・クレジットカード納付者数", "人", "stock", "office",
       "納付者のうち口座振替またはクレジットカードで納付している者の数。",
       bounded_by="payers_total"),
    # 国民年金: 適用・強制徴収・免除勧奨
    _m("ex_officio_age20", "20歳到達者の職権適用者数", "人", "flow", "office",
       "当月に職権で資格取得させた20歳到達者の数。"),
    _m("ex_officio_age34_44_54", "34・44・54歳到達者の職権適用者数", "人", "flow", "office",
       "当月に職権で資格取得させた34歳・44歳・54歳到達者の数。"),
    _m("ex_officio_foreign", "外国人の職権適用者数", "人", "flow", "office",
       "当月に法務省提供情報に基づき職権で資格取得させた外国人の数。"),
    _m("final_notices", "最終催告状の送付件数", "件", "flow", "office", "当月に送付した最終催告状の件数。"),
    _m("demands", "督促状の送付件数", "件", "flow", "office", "当月に送付した督促状の件数。"),
    _m("seizures", "滞納処分（差押）件数", "件", "flow", "office", "当月に執行した差押の件数。"),
    _m("exemption_prompts", "免除等の申請勧奨件数", "件", "flow", "office",
       "当月に送付した免除・納付猶予等の申請勧奨の件数。"),
    # 厚生年金: 適用
    _m("new_covered_via_tax", "国税源泉徴収義務者情報による新規適用事業所数", "事業所", "flow", "office",
       "当月に国税源泉徴収義務者情報を活用して新規適用した事業所の数。"),
    _m("priority_total", "5人以上適用調査対象事業所数", "事業所", "stock", "office",
       "当年度の重点加入指導の対象（従業員5人以上と見込まれる未適用事業所）の数。"),
    _m("priority_covered", "5人以上適用調査対象事業所のうち適用済み", "事業所", "ytd", "office",
       "上の対象事業所のうち、4月から月末までに適用した事業所の数（年度累計）。",
       bounded_by="priority_total"),
    _m("inspections", "事業所調査の実施件数", "件", "flow", "office", "当月に実施した事業所調査の件数。"),
    _m("inspections_with_findings", "事業所調査のうち指摘のあった件数", "件", "flow", "office",
       "当月の事業所調査のうち、適用漏れ・届出誤り等の指摘を行った件数。", bounded_by="inspections"),
    # 厚生年金・健康保険: 徴収
    _m("ep_assessed", "厚生年金保険料 徴収決定済額（累計）", "円", "ytd", "office",
       "年度当初の繰越収納未済額に4月以降の徴収決定額を加えた額（年度累計）。"),
    _m("ep_collected", "厚生年金保険料 収納済額（累計）", "円", "ytd", "office",
       "4月以降に収納した額（年度累計）。", bounded_by="ep_assessed"),
    _m("hi_assessed", "健康保険料 徴収決定済額（累計）", "円", "ytd", "office",
       "健康保険（協会けんぽ）分。定義は厚生年金保険料と同じ（定義は推定による）。"),
    _m("hi_collected", "健康保険料 収納済額（累計）", "円", "ytd", "office",
       "健康保険（協会けんぽ）分の収納済額（年度累計）。", bounded_by="hi_assessed"),
    _m("grace_establishments", "法定猶予事業所数", "事業所", "stock", "office",
       "月末時点で換価の猶予・納付の猶予を適用している事業所の数。"),
    _m("grace_plans_at_least_new", "新規調定額以上の納付計画の猶予事業所数", "事業所", "stock", "office",
       "猶予事業所のうち、新規発生保険料以上を納付する計画の事業所の数。",
       bounded_by="grace_establishments"),
    _m("arrears_amount", "厚生年金保険料 収納未済額", "円", "stock", "office",
       "月末時点の収納未済額。"),
    # 給付・年金相談
    _m("consultations", "来訪相談件数", "件", "flow", "office", "当月の年金事務所での来訪相談の件数。"),
    _m("consultations_reserved", "予約による来訪相談件数", "件", "flow", "office",
       "来訪相談のうち予約によるものの件数。", bounded_by="consultations"),
    _m("walk_in_visits", "予約なし来訪者数", "人", "flow", "office",
       "予約なしで来訪し窓口で待った相談者の数。"),
    _m("wait_minutes_total", "予約なし来訪者の待ち時間合計", "分", "flow", "office",
       "予約なし来訪者の受付から相談開始までの待ち時間の合計（分）。"),
    _m("online_bookings", "インターネット予約申込件数", "件", "flow", "office",
       "当月に受け付けたインターネットによる相談予約の件数（令和3年5月開始）。"),
    _m("calls_received", "電話相談 入電数", "件", "flow", "national",
       "当月のねんきんダイヤル（コールセンター）の入電数（呼数）。全国のセンター計で、年金事務所別には計上しない。"),
    _m("calls_answered", "電話相談 応答数", "件", "flow", "national", "入電のうち応答した件数。",
       bounded_by="calls_received"),
    # 年金記録
    _m("unconsolidated_records", "未統合記録件数（解明作業中又はなお解明を要する記録）", "件", "stock",
       "national", "5,095万件のうち、月末時点で解明作業中又はなお解明を要する記録の件数。"),
    _m("mynumber_population", "マイナンバー紐付け対象者数", "人", "stock", "office",
       "基礎年金番号を持つ被保険者・受給者の数（紐付け率の分母）。"),
    _m("mynumber_linked", "マイナンバー紐付け済み者数", "人", "stock", "office",
       "上のうちマイナンバーと紐付いている者の数。", bounded_by="mynumber_population"),
    # 情報提供・オンライン・組織
    _m("nenkin_net_users", "ねんきんネット利用者数", "人", "stock", "national", "月末時点の登録利用者数。"),
    _m("pension_liaisons", "年金委員数", "人", "stock", "national", "職域型と地域型の年金委員の合計。"),
    _m("new_pension_liaisons", "新たに委嘱した年金委員数", "人", "flow", "national",
       "当月に新たに委嘱した年金委員（職域型・地域型）の数。再委嘱を含まない。"),
    _m("filed_insured", "主要7届書の届出被保険者数", "人", "flow", "national",
       "当月に提出された主要7届書に記載された被保険者の数。"),
    _m("e_filed_insured", "主要7届書の電子申請被保険者数", "人", "flow", "national",
       "上のうち電子申請によるものの数。", bounded_by="filed_insured"),
    # 主要7届書の届書別（合計は filed_insured / e_filed_insured に一致する）
    *[m for key, form in {
        "acquisition": "資格取得届", "loss": "資格喪失届", "santei": "算定基礎届", "getsuhen": "月額変更届",
        "bonus": "賞与支払届", "dependents": "被扶養者異動届", "type3": "国民年金第3号被保険者関係届"}.items()
      for m in (_m(f"filed_{key}", f"{form}の届出被保険者数", "人", "flow", "national",
                   f"当月に提出された{form}に記載された被保険者の数（主要7届書の内訳）。"),
                _m(f"e_filed_{key}", f"{form}の電子申請被保険者数", "人", "flow", "national",
                   f"上のうち電子申請によるもの（{form}）。", bounded_by=f"filed_{key}"))],
    # 計画が数で示す取組（KPI ではなく実績を把握する。計画の(5)(9)(12)）
    _m("hp_page_views", "ホームページの総アクセス数", "件", "flow", "national",
       "当月の機構ホームページのページビュー数。"),
    _m("sns_posts", "SNS による情報発信の件数", "件", "flow", "national", "当月に機構の公式 SNS で発信した件数。"),
    _m("seminars_held", "年金セミナー・年金制度説明会の開催回数", "回", "flow", "office",
       "当月に年金事務所が開催した年金セミナー・年金制度説明会（学校・事業所等）の回数（下の2つの合計）。"),
    # the plan counts the two apart (年金セミナー 810回、年金制度説明会 2,060回, R4.4～9)
    _m("pension_seminars", "年金セミナーの開催回数", "回", "flow", "office",
       "当月に年金事務所が教育関係機関等で開催した年金セミナーの回数。"),
    _m("system_briefings", "年金制度説明会の開催回数", "回", "flow", "office",
       "当月に年金事務所が企業・事業所担当者等に開催した年金制度説明会（制度・事務手続説明会を含む）の回数。"),
    _m("nenkin_net_logins", "ねんきんネットの利用件数", "件", "flow", "national",
       "当月のねんきんネットへのログイン件数。"),
    _m("mynaportal_logins", "マイナポータル経由のねんきんネット利用件数", "件", "flow", "national",
       "上のうちマイナポータルとの認証連携によるもの。", bounded_by="nenkin_net_logins"),
    _m("staff", "常勤職員数", "人", "stock", "national", "月末時点の機構の常勤職員の数。"),
    _m("overtime_hours", "時間外勤務時間（常勤職員計）", "時間", "flow", "national",
       "当月の常勤職員の時間外勤務時間の合計。"),
    _m("leave_days_taken", "年次休暇の取得日数（常勤職員計）", "日", "flow", "national",
       "当月に常勤職員が取得した年次休暇の日数の合計。"),
    _m("clerical_errors", "事務処理誤りの件数", "件", "flow", "office",
       "当月に判明した事務処理誤り（お客様に影響のあるもの）の件数。"),
    _m("managers", "管理職数", "人", "stock", "national", "機構の管理職の数。"),
    _m("female_managers", "女性管理職数", "人", "stock", "national", "管理職のうち女性の数。",
       bounded_by="managers"),
]

MEASURES: dict[str, Measure] = {m.name: m for m in _DEFINITIONS}
# The seven main employer forms (主要7届書, plan P.63-65): measure key -> form name.
FORMS = {m.name[len("filed_"):]: m.label_ja.removesuffix("の届出被保険者数") for m in _DEFINITIONS
         if m.name.startswith("filed_") and m.name != "filed_insured"}
# Breakdowns that must add up to their total, period by period: total -> parts.
BREAKDOWNS = {"filed_insured": tuple(f"filed_{k}" for k in FORMS),
              "e_filed_insured": tuple(f"e_filed_{k}" for k in FORMS),
              "seminars_held": ("pension_seminars", "system_briefings")}


# Measures expected in every month from their first to their last: the flows, whose
# period totals are sums of months (a missing month would shrink a year-to-date sum).
EVERY_MONTH = frozenset(m.name for m in _DEFINITIONS if m.kind == "flow")


def bounded_pairs() -> list[tuple[str, str]]:
    """(numerator, denominator) pairs where the first can never exceed the second."""
    return [(m.name, m.bounded_by) for m in _DEFINITIONS if m.bounded_by]
