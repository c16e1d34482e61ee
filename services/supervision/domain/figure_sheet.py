"""The figures as a sheet, one line per group and measure, headers and measures named in
Chinese and English, for a district office's spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

Value = int | float | str


class FigureFormat(StrEnum):
    """How the figures are answered: JSON, or a sheet as CSV or XLSX."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    FigureFormat.JSON: "application/json",
    FigureFormat.CSV: "text/csv; charset=utf-8",
    FigureFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

HEADER = ("自 / from", "至 / to", "分组 / grouped by", "学校或学区 / school or district",
          "代码 / code", "指标 / measure", "值 / value")

# Chinese and English names of the figures' keys, and of the codes they count.
NAMES: dict[str, tuple[str, str]] = {
    "school": ("学校", "school"), "district": ("学区", "district"),
    "cases": ("个案数", "cases"),
    "by_tier": ("按风险等级", "by tier"), "by_source": ("按来源", "by source"),
    "hours_to_stage": ("自发现起的小时数", "hours from detection"),
    "assessed": ("研判", "assessed"), "family_notified": ("家长知情", "family notified"),
    "referred": ("转介", "referred"), "followed_up": ("跟踪", "followed up"),
    "closed": ("结案", "closed"),
    "p50": ("中位数", "p50"), "p90": ("第90百分位", "p90"),
    "guardians": ("家长", "guardians"), "notified": ("已通知", "notified"),
    "by_outcome": ("按结果", "by outcome"), "by_answer": ("按答复", "by answer"),
    "reached": ("已联系上", "reached"), "not_reached": ("未联系上", "not reached"),
    "reached_share": ("联系上比例", "share reached"),
    "hours_to_reach": ("联系上所需小时", "hours to reach"),
    "referrals": ("转介", "referrals"), "made": ("发出", "made"),
    "accepted": ("接受", "accepted"), "declined": ("拒绝", "declined"),
    "awaiting": ("待答复", "awaiting an answer"), "rerouted": ("改转", "re-routed"),
    "failed": ("接收后未能完成", "failed"), "cancelled": ("接收方取消", "cancelled"),
    "flagged_unanswered": ("逾时未答复", "flagged unanswered"),
    "cases_referred": ("转介个案", "cases referred"),
    "succeeded_share": ("转介成功比例", "share succeeded"),
    "follow_ups": ("跟踪回访", "follow-ups"), "due": ("应做", "due"),
    "done": ("已做", "done"), "on_time": ("按时", "on time"), "late": ("逾期完成", "late"),
    "not_done": ("未做", "not done"), "flagged_overdue": ("逾期提醒", "flagged overdue"),
    "on_time_share": ("按时比例", "share on time"),
    "home_visits": ("家访", "home visits"), "cases_visited": ("已家访个案", "cases visited"),
    "flagged_due": ("应家访提醒", "flagged due"),
    "closures": ("结案", "closures"), "by_reason": ("按原因", "by reason"),
    "reopened": ("重新开案", "reopened"),
    "none": ("无", "none"), "general": ("一般", "general"), "serious": ("较严重", "serious"),
    "crisis": ("危机", "crisis"), "undecided": ("未定", "undecided"),
    "staff_observation": ("教职工观察", "staff observation"), "hotline": ("热线", "hotline"),
    "online_platform": ("网络平台", "online platform"), "guardian": ("家长", "guardian"),
    "peer": ("同伴", "peer"), "self_report": ("本人", "self report"),
    "home_visit": ("家访", "home visit"), "screening": ("心理测评", "screening"),
    "incident": ("突发事件", "incident"), "transfer": ("转学", "transfer"),
    "resolved": ("已解决", "resolved"),
    "no_further_action": ("无需进一步处理", "no further action"),
    "transferred": ("已转出", "transferred"), "left_school": ("离校", "left school"),
}


def sheet_lines(figures: Mapping[str, Any]) -> Iterator[tuple[Value, ...]]:
    """The header, then each group's measures in the order the figures hold them."""
    yield HEADER
    by = figures["by"]
    grouped_by = _name([by])
    for group in figures["groups"]:
        for path, value in _leaves(group, ()):
            if path == (by,):
                continue
            yield (figures["from"], figures["to"], grouped_by, group[by], ".".join(path),
                   _name(path), "" if value is None else value)


def _leaves(node: Mapping[str, Any], path: tuple[str, ...]
            ) -> Iterator[tuple[tuple[str, ...], Value | None]]:
    for key, value in node.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, (*path, key))
        else:
            yield (*path, key), value


def _name(path: list[str] | tuple[str, ...]) -> str:
    names = [NAMES.get(key, (key, key)) for key in path]
    return (" · ".join(zh for zh, _ in names) + " / " + " · ".join(en for _, en in names))
