"""The manager dashboard without I/O: its filters (region in the user's scope, period) and the
services' figures shaped into tables, each with a bar chart and a CSV form of the same rows.

Periods are calendar days in Western Indonesian Time (WIB), inclusive at both ends, as reports of
the ministry count them; the services get the matching instants [from 00:00, to + 1 day 00:00).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from contracts import Sector
from slrt import reference

from .charts import Bar, bar_chart
from .i18n import Translate

WIB = ZoneInfo("Asia/Jakarta")
DEFAULT_DAYS = 30
MAX_DAYS = 3660  # as referral's monitoring accepts
CHART_ROWS = 12  # bars per chart; the table beneath lists every row
TABLES = ("sectors", "statuses", "durations", "overdue", "resolution", "exclusion")
STATUSES = ("registered", "assessed", "referred", "in_progress", "resolved", "closed",
            "withdrawn")
_LEVEL_BY_LENGTH = {0: 0, 2: 1, 4: 2, 6: 3, 10: 4}


# -- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00 WIB, the day after end 00:00 WIB)."""
        start = dt.datetime.combine(self.start, dt.time(), WIB)
        return start, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), WIB)

    def backend_params(self) -> dict[str, str]:
        start, end = self.bounds()
        return {"from": start.isoformat(), "to": end.isoformat()}


def default_period(today: dt.date) -> Period:
    """The last 30 days, today included."""
    return Period(today - dt.timedelta(days=DEFAULT_DAYS - 1), today)


@dataclass(frozen=True)
class Filters:
    region: str  # plain code; "" = national
    period: Period
    errors: dict[str, str] = field(default_factory=dict)  # field -> message key

    def query(self) -> dict[str, str]:
        """The filters as the page's query string (links and exports keep the view)."""
        return {"region": self.region, "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat()}

    def backend_params(self) -> dict[str, str]:
        return {"region": self.region, **self.period.backend_params()}


def _date(raw: str | None) -> dt.date | None | str:
    """The date, None when not given, "invalid" when unreadable."""
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return "invalid"


def parse_period(raw_from: str | None, raw_to: str | None,
                 today: dt.date) -> tuple[Period, dict[str, str]]:
    """The asked period, or the default one with the reasons it was not taken."""
    errors: dict[str, str] = {}
    default = default_period(today)
    start, end = _date(raw_from), _date(raw_to)
    if start == "invalid":
        errors["from"] = "dashboard.error.date"
    if end == "invalid":
        errors["to"] = "dashboard.error.date"
    if errors:
        return default, errors
    assert not isinstance(start, str) and not isinstance(end, str)
    end = end or (today if start is None or start <= today else start)
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        return default, {"to": "dashboard.error.order"}
    period = Period(start, end)
    if period.days > MAX_DAYS:
        return default, {"from": "dashboard.error.too_long"}
    return period, {}


def parse_region(raw: str | None, scope: str) -> tuple[str, str | None]:
    """The region to show (inside `scope`), and an error key when the asked one was refused."""
    code = reference.plain_code(raw or "")
    if not code:
        return scope, None
    if not code.isdigit() or len(code) not in (2, 4, 6, 10) or reference.region(code) is None:
        return scope, "dashboard.error.region_unknown"
    if scope.startswith(code):
        return scope, None  # the same or wider: the user's own part of it
    if not code.startswith(scope):
        return scope, "dashboard.error.region_outside"
    return code, None


def parse_filters(params: Mapping[str, str], scope: str, today: dt.date) -> Filters:
    period, errors = parse_period(params.get("from"), params.get("to"), today)
    region, region_error = parse_region(params.get("region"), scope)
    if region_error:
        errors["region"] = region_error
    return Filters(region, period, errors)


# -- regions ---------------------------------------------------------------------------------


def level(code: str) -> int:
    return _LEVEL_BY_LENGTH.get(len(code), 4)


def region_name(code: str, national: str) -> str:
    if not code:
        return national
    found = reference.region(code)
    return found.name if found else code


@dataclass(frozen=True)
class RegionOption:
    code: str
    name: str
    depth: int  # 0 = the user's scope; shown indented


def region_options(scope: str, selected: str, national: str) -> list[RegionOption]:
    """The scope and the regions below it down to kecamatan, at most two levels down (a
    national admin: provinces and districts; a district manager: the district and its
    kecamatan; a kecamatan: its villages). A deeper selected region is added at the end."""
    top = level(scope)
    deepest = min(4, max(top + 1, min(top + 2, 3)))
    options = [RegionOption(scope, region_name(scope, national), 0)]

    def below(code: str, depth: int) -> None:
        for child in reference.children(code or None):
            options.append(RegionOption(child.code, child.name, depth))
            if level(child.code) < deepest:
                below(child.code, depth + 1)

    if top < deepest:
        below(scope, 1)
    if selected not in {o.code for o in options}:
        options.append(RegionOption(selected, region_name(selected, national),
                                    level(selected) - top))
    return options


# -- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, code, count, number (1 decimal), percent (1 decimal)

    @property
    def numeric(self) -> bool:
        return self.kind in ("count", "number", "percent")


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: Markup | None = None
    footer: list[Any] | None = None
    note: str = ""


def display(value: Any, kind: str, lang: str) -> str:
    """A cell as the page shows it: Indonesian digit grouping and decimal comma under `id`."""
    if value is None or value == "":
        return "–"
    if kind == "count":
        text = f"{int(value):,}"
    elif kind in ("number", "percent"):
        text = f"{float(value):,.1f}"
    else:
        return str(value)
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _pct(part: float | None) -> float | None:
    return None if part is None else round(part * 100, 1)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _chart(t: Translate, title: str, bars: list[Bar], lang: str, *,
           max_value: float | None = None, kind: str = "count") -> Markup:
    shown = [Bar(b.label, b.value, display(b.value, kind, lang), b.tone)
             for b in bars[:CHART_ROWS]]
    description = ""
    if len(bars) > CHART_ROWS:
        description = t("dashboard.chart_first", shown=CHART_ROWS, total=len(bars))
    return bar_chart(title, shown, empty_text=t("dashboard.no_data"), max_value=max_value,
                     description=description)


def sector_table(stats: Mapping[str, Any], t: Translate, lang: str) -> Table:
    """Complaints per sector, most first (every sector listed, zero included)."""
    counts: Mapping[str, int] = stats.get("by_category", {})
    total = int(stats.get("total", sum(counts.values())))
    order = {str(s): i for i, s in enumerate(Sector)}
    keys = sorted(counts, key=lambda k: (-counts[k], order.get(k, len(order)), k))
    rows = [[t(f"dashboard.sector.{k}"), counts[k], _pct(counts[k] / total if total else None)]
            for k in keys]
    title = t("dashboard.sectors.title")
    return Table("sectors", title,
                 [Column(t("dashboard.col.sector")), Column(t("dashboard.col.complaints"),
                                                             "count"),
                  Column(t("dashboard.col.share"), "percent")], rows,
                 _chart(t, title, [Bar(r[0], r[1]) for r in rows], lang),
                 footer=[t("dashboard.total"), total, 100.0 if total else None])


def status_table(stats: Mapping[str, Any], t: Translate, lang: str) -> Table:
    """Complaints per status, in the order a complaint goes through them."""
    counts: Mapping[str, int] = stats.get("by_status", {})
    keys = [s for s in STATUSES if s in counts] + sorted(set(counts) - set(STATUSES))
    rows = [[t(f"dashboard.status.{k}"), counts[k]] for k in keys]
    title = t("dashboard.statuses.title")
    return Table("statuses", title,
                 [Column(t("dashboard.col.status")), Column(t("dashboard.col.complaints"),
                                                             "count")], rows,
                 _chart(t, title, [Bar(r[0], r[1]) for r in rows], lang),
                 footer=[t("dashboard.total"), int(stats.get("total", 0))])


def overdue_table(overdue: Mapping[str, Any], agencies: Mapping[str, str], t: Translate,
                  lang: str) -> Table:
    """Overdue referrals per agency now: distinct referrals, which deadlines passed, and the
    longest delay (days). `agencies` maps ids to names (an unknown id shows as itself)."""
    per: dict[str, dict[str, Any]] = {}
    for item in overdue.get("items", []):
        entry = per.setdefault(item["agency_id"], {"referrals": set(), "accept": 0,
                                                   "resolve": 0, "answer": 0, "longest": 0.0})
        entry["referrals"].add(item["referral_id"])
        entry[item["deadline"]] = entry.get(item["deadline"], 0) + 1
        entry["longest"] = max(entry["longest"], float(item.get("overdue_hours") or 0))
    rows = [[agency, agencies.get(agency, agency), len(e["referrals"]), e["accept"],
             e["resolve"], e["answer"], round(e["longest"] / 24, 1)]
            for agency, e in per.items()]
    rows.sort(key=lambda r: (-r[2], r[0]))
    title = t("dashboard.overdue.title")
    note = ""
    if int(overdue.get("total", 0)) > len(overdue.get("items", [])):
        note = t("dashboard.overdue.partial", shown=len(overdue.get("items", [])),
                 total=overdue.get("total"))
    return Table("overdue", title,
                 [Column(t("dashboard.col.agency_id"), "code"), Column(t("dashboard.col.agency")),
                  Column(t("dashboard.col.overdue_referrals"), "count"),
                  Column(t("dashboard.col.accept_late"), "count"),
                  Column(t("dashboard.col.resolve_late"), "count"),
                  Column(t("dashboard.col.answer_late"), "count"),
                  Column(t("dashboard.col.longest_days"), "number")], rows,
                 _chart(t, title, [Bar(r[1], r[2], tone="bad") for r in rows], lang),
                 footer=[t("dashboard.total"), "", sum(r[2] for r in rows),
                         sum(r[3] for r in rows), sum(r[4] for r in rows),
                         sum(r[5] for r in rows), None] if rows else None,
                 note=note)


def duration_table(durations: Mapping[str, Any], t: Translate, lang: str) -> Table:
    """Median and p90 time to accept and to resolve, in hours."""
    rows = []
    for key in ("time_to_accept", "time_to_resolve"):
        stats = durations.get(key) or {}
        rows.append([t(f"dashboard.durations.{key}"), int(stats.get("count") or 0),
                     _hours(stats.get("median_hours")), _hours(stats.get("p90_hours"))])
    title = t("dashboard.durations.title")
    bars = [Bar(f"{row[0]} · {name}", value)
            for row in rows for name, value in (("median", row[2]), ("p90", row[3]))
            if value is not None]
    return Table("durations", title,
                 [Column(t("dashboard.col.measure")), Column(t("dashboard.col.referrals"),
                                                             "count"),
                  Column(t("dashboard.col.median_hours"), "number"),
                  Column(t("dashboard.col.p90_hours"), "number")], rows,
                 _chart(t, title, bars, lang, kind="number"))


def resolution_table(rates: Mapping[str, Any], t: Translate, lang: str,
                     national: str) -> Table:
    """Share of the referrals created in the period resolved, per district (kabupaten/kota)."""
    rows = []
    for code, r in sorted(rates.get("items", {}).items()):
        rows.append([code, region_name(code, national), int(r["referred"]), int(r["resolved"]),
                     int(r["resolved_on_time"]), _pct(r.get("rate")),
                     _pct(r.get("on_time_rate"))])
    title = t("dashboard.resolution.title")
    referred, resolved = sum(r[2] for r in rows), sum(r[3] for r in rows)
    on_time = sum(r[4] for r in rows)
    return Table("resolution", title,
                 [Column(t("dashboard.col.code"), "code"), Column(t("dashboard.col.district")),
                  Column(t("dashboard.col.referred"), "count"),
                  Column(t("dashboard.col.resolved"), "count"),
                  Column(t("dashboard.col.on_time"), "count"),
                  Column(t("dashboard.col.rate"), "percent"),
                  Column(t("dashboard.col.on_time_rate"), "percent")], rows,
                 _chart(t, title, [Bar(r[1], r[5] or 0.0, tone="ok") for r in rows], lang,
                        max_value=100, kind="percent"),
                 footer=[t("dashboard.total"), "", referred, resolved, on_time,
                         _pct(resolved / referred if referred else None),
                         _pct(on_time / referred if referred else None)] if rows else None)


def exclusion_table(found: Mapping[str, Any], t: Translate, lang: str) -> Table:
    """Exclusion errors per village: complainants not in the registry, eligible households
    not enrolled (and per program), most first."""
    programs: list[str] = list(found.get("programs", []))
    rows = []
    for item in found.get("items", []):
        code = item["village_code"]
        village = reference.region(code)
        district = reference.region(code[:6])
        per_program = [int(item["programs"].get(p, 0)) for p in programs]
        rows.append([code, village.name if village else code,
                     district.name if district else code[:6], int(item["not_registered"]),
                     int(item["eligible_not_enrolled"]), *per_program,
                     int(item["not_registered"]) + int(item["eligible_not_enrolled"])])
    title = t("dashboard.exclusion.title")
    columns = [Column(t("dashboard.col.code"), "code"), Column(t("dashboard.col.village")),
               Column(t("dashboard.col.kecamatan")),
               Column(t("dashboard.col.not_registered"), "count"),
               Column(t("dashboard.col.not_enrolled"), "count"),
               *(Column(t("dashboard.col.program", program=p), "count") for p in programs),
               Column(t("dashboard.col.total"), "count")]
    footer = None
    if rows:
        footer = [t("dashboard.total"), "", "",
                  *(sum(r[i] for r in rows) for i in range(3, len(columns)))]
    return Table("exclusion", title, columns, rows,
                 _chart(t, title, [Bar(f"{r[1]} ({r[2]})", r[-1], tone="warn") for r in rows],
                        lang), footer=footer)


# -- CSV -------------------------------------------------------------------------------------


def csv_text(table: Table) -> str:
    """The table as CSV: a header row, then the rows (raw figures: no digit grouping, a decimal
    point; an empty cell for no value). The footer of totals is left out: it can be summed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(c.label for c in table.columns)
    for row in table.rows:
        writer.writerow("" if v is None else v for v in row)
    return out.getvalue()


def csv_filename(name: str, filters: Filters) -> str:
    where = filters.region or "nasional"
    return (f"slrt-{name}-{where}-{filters.period.start.isoformat()}"
            f"-{filters.period.end.isoformat()}.csv")
