"""The dashboard's view logic (filters in scope, periods in WIB, region options, tables and CSV
from the services' figures) and its pages against answering fakes of the services: the calls
carry the filters, a service that is down leaves the other tables, CSV export, roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.adapters.identity import DevSignIn
from services.console.domain import dashboard as d
from services.console.domain.i18n import translator
from services.console.entrypoints.session import SESSION_COOKIE

TODAY = dt.date(2026, 12, 4)
ID, EN = translator("id"), translator("en")

STATS = {"region": "3402", "total": 5,
         "by_category": {"civil_registration": 0, "health": 2, "education": 3, "other": 0},
         "by_status": {"registered": 1, "assessed": 0, "referred": 4, "withdrawn": 0}}
OVERDUE = {"at": "2026-12-04T09:00:00Z", "total": 3, "items": [
    {"referral_id": "r1", "agency_id": "disdik-3402", "district_code": "3402",
     "deadline": "accept", "due_at": "x", "overdue_hours": 50.0},
    {"referral_id": "r1", "agency_id": "disdik-3402", "district_code": "3402",
     "deadline": "resolve", "due_at": "x", "overdue_hours": 2.0},
    {"referral_id": "r2", "agency_id": "dinkes-3402", "district_code": "3402",
     "deadline": "answer", "due_at": "x", "overdue_hours": 30.0}]}
DURATIONS = {"time_to_accept": {"count": 3, "median_hours": 5.25, "p90_hours": 20.04},
             "time_to_resolve": {"count": 0, "median_hours": None, "p90_hours": None}}
RATES = {"by": "district", "items": {
    "3402": {"referred": 4, "resolved": 1, "resolved_on_time": 1, "rate": 0.25,
             "on_time_rate": 0.25},
    "3404": {"referred": 2, "resolved": 2, "resolved_on_time": 1, "rate": 1.0,
             "on_time_rate": 0.5}}}
EXCLUSION = {"region": "3402", "total": {"not_registered": 2, "eligible_not_enrolled": 1},
             "programs": ["KIP"], "items": [
                 {"village_code": "3402052001", "not_registered": 1,
                  "eligible_not_enrolled": 1, "programs": {"KIP": 1}},
                 {"village_code": "3402062003", "not_registered": 1,
                  "eligible_not_enrolled": 0, "programs": {}}]}


# --- filters --------------------------------------------------------------------------------

def test_the_default_period_is_the_last_30_days_in_wib() -> None:
    period, errors = d.parse_period(None, "", TODAY)
    assert errors == {} and period == d.Period(dt.date(2026, 11, 5), TODAY)
    assert period.days == 30
    start, end = period.bounds()
    assert start.isoformat() == "2026-11-05T00:00:00+07:00"
    assert end.isoformat() == "2026-12-05T00:00:00+07:00"
    assert end.astimezone(dt.UTC).isoformat() == "2026-12-04T17:00:00+00:00"


def test_a_period_is_read_or_refused_with_a_reason() -> None:
    assert d.parse_period("2026-12-01", "2026-12-03", TODAY) == (
        d.Period(dt.date(2026, 12, 1), dt.date(2026, 12, 3)), {})
    assert d.parse_period("2026-12-01", None, TODAY)[0].end == TODAY
    assert d.parse_period(None, "2026-06-30", TODAY)[0].start == dt.date(2026, 6, 1)
    assert d.parse_period("2026-12-04", "2026-12-04", TODAY)[0].days == 1
    assert d.parse_period("04/12/2026", None, TODAY) == (d.default_period(TODAY),
                                                         {"from": "dashboard.error.date"})
    assert d.parse_period("2026-12-03", "2026-12-01", TODAY)[1] == {
        "to": "dashboard.error.order"}
    assert d.parse_period("2000-01-01", "2026-12-01", TODAY)[1] == {
        "from": "dashboard.error.too_long"}


def test_a_region_inside_the_scope_is_taken_others_are_refused() -> None:
    assert d.parse_region(None, "3402") == ("3402", None)
    assert d.parse_region("340205", "3402") == ("340205", None)
    assert d.parse_region("34.02.05.2001", "3402") == ("3402052001", None)
    assert d.parse_region("34", "3402") == ("3402", None)  # wider: one's own part of it
    assert d.parse_region("3404", "3402") == ("3402", "dashboard.error.region_outside")
    assert d.parse_region("3499", "3402") == ("3402", "dashboard.error.region_unknown")
    assert d.parse_region("abc", "") == ("", "dashboard.error.region_unknown")
    assert d.parse_region("3404", "") == ("3404", None)
    f = d.parse_filters({"region": "3404", "from": "x"}, "3402", TODAY)
    assert f.region == "3402" and set(f.errors) == {"region", "from"}
    assert f.query() == {"region": "3402", "from": "2026-11-05", "to": "2026-12-04"}
    assert f.backend_params()["from"] == "2026-11-05T00:00:00+07:00"


def test_region_options_follow_the_scope() -> None:
    manager = d.region_options("3402", "3402", "Nasional")
    assert manager[0] == d.RegionOption("3402", "Kabupaten Bantul", 0)
    assert {o.depth for o in manager[1:]} == {1}
    assert [o.code for o in manager[1:]] == sorted(o.code for o in manager[1:])
    assert d.RegionOption("340205", "Bambanglipuro", 1) in manager and len(manager) == 18
    national = d.region_options("", "", "Nasional")
    assert national[0] == d.RegionOption("", "Nasional", 0)
    assert sum(o.depth == 1 for o in national) == 38
    assert d.RegionOption("3402", "Kabupaten Bantul", 2) in national
    assert max(len(o.code) for o in national) == 4
    province = d.region_options("34", "34", "-")
    assert {len(o.code) for o in province} == {2, 4, 6}
    kecamatan = d.region_options("340205", "340205", "-")
    assert {len(o.code) for o in kecamatan[1:]} == {10}
    village = d.region_options("3402", "3402052001", "-")  # bookmarked deeper: kept
    assert village[-1] == d.RegionOption("3402052001", "Sidomulyo", 2)


# --- tables ---------------------------------------------------------------------------------

def test_numbers_are_shown_in_the_page_language() -> None:
    assert d.display(12345, "count", "id") == "12.345"
    assert d.display(12345, "count", "en") == "12,345"
    assert d.display(1234.56, "number", "id") == "1.234,6"
    assert d.display(25.0, "percent", "en") == "25.0"
    assert d.display(None, "count", "id") == "–"
    assert d.display("disdik-3402", "code", "id") == "disdik-3402"


def test_complaints_by_sector_most_first_with_shares() -> None:
    table = d.sector_table(STATS, EN, "en")
    assert [r[:2] for r in table.rows[:2]] == [["Education", 3], ["Health", 2]]
    assert table.rows[0][2] == 60.0
    assert [r[0] for r in table.rows[2:]] == ["Civil registration", "Other"]  # zeros: taxonomy
    assert table.footer == ["Total", 5, 100.0]
    assert 'aria-label="Complaints by sector"' in str(table.chart)
    empty = d.sector_table({"total": 0, "by_category": {"health": 0}}, ID, "id")
    assert empty.rows == [["Kesehatan", 0, None]] and empty.footer == ["Jumlah", 0, None]


def test_complaints_by_status_in_lifecycle_order() -> None:
    table = d.status_table(STATS, ID, "id")
    assert [r[0] for r in table.rows] == ["Tercatat", "Dinilai", "Dirujuk", "Dicabut"]
    assert [r[1] for r in table.rows] == [1, 0, 4, 0] and table.footer == ["Jumlah", 5]


def test_overdue_referrals_counted_once_per_agency_with_their_deadlines() -> None:
    table = d.overdue_table(OVERDUE, {"disdik-3402": "Dinas Pendidikan"}, EN, "en")
    assert table.rows == [["dinkes-3402", "dinkes-3402", 1, 0, 0, 1, 1.2],
                          ["disdik-3402", "Dinas Pendidikan", 1, 1, 1, 0, 2.1]]
    assert table.note == "" and table.footer is not None and table.footer[2] == 2
    partial = d.overdue_table({**OVERDUE, "total": 1500}, {}, EN, "en")
    assert "1500" in partial.note
    none = d.overdue_table({"total": 0, "items": []}, {}, EN, "en")
    assert none.rows == [] and none.footer is None
    assert "No data for this filter" in str(none.chart)


def test_durations_in_hours_with_missing_values() -> None:
    table = d.duration_table(DURATIONS, EN, "en")
    assert table.rows == [["To accept", 3, 5.2, 20.0], ["To resolve", 0, None, None]]
    assert str(table.chart).count("<rect") == 2  # median and p90 of what was measured


def test_resolution_rate_per_district_named() -> None:
    table = d.resolution_table(RATES, ID, "id", "Nasional")
    assert table.rows[0] == ["3402", "Kabupaten Bantul", 4, 1, 1, 25.0, 25.0]
    assert table.rows[1][1] == "Kabupaten Sleman" and table.rows[1][5] == 100.0
    assert table.footer == ["Jumlah", "", 6, 3, 2, 50.0, 33.3]


def test_exclusion_errors_per_village_with_names_and_programs() -> None:
    table = d.exclusion_table(EXCLUSION, EN, "en")
    assert [c.label for c in table.columns][-2:] == ["Without KIP", "Total"]
    assert table.rows == [
        ["3402052001", "Sidomulyo", "Bambanglipuro", 1, 1, 1, 2],
        ["3402062003", "Gilangharjo", "Pandak", 1, 0, 0, 1]]
    assert table.footer == ["Total", "", "", 2, 1, 1, 3]
    assert "Sidomulyo (Bambanglipuro)" in str(table.chart)


def test_csv_has_a_header_and_the_same_figures() -> None:
    table = d.exclusion_table(EXCLUSION, ID, "id")
    text = d.csv_text(table)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Kode", "Desa/kelurahan", "Kecamatan"]
    assert rows[1] == ["3402052001", "Sidomulyo", "Bambanglipuro", "1", "1", "1", "2"]
    assert len(rows) == 3 and text.endswith("\r\n")
    durations = list(csv.reader(io.StringIO(d.csv_text(d.duration_table(DURATIONS, EN, "en")))))
    assert durations[1:] == [["To accept", "3", "5.2", "20.0"], ["To resolve", "0", "", ""]]
    f = d.parse_filters({"region": "340205"}, "3402", TODAY)
    assert d.csv_filename("sectors", f) == "slrt-sectors-340205-2026-11-05-2026-12-04.csv"


# --- pages against fake services ------------------------------------------------------------

class FakeServices:
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []
        self.down: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        host, path = request.url.host, request.url.path
        if host in self.down:
            return httpx.Response(503, json={"detail": f"{host} is restarting"})
        answers = {("intake", "/v1/complaints:stats"): STATS,
                   ("referral", "/v1/monitoring/overdue"): OVERDUE,
                   ("referral", "/v1/monitoring/durations"): DURATIONS,
                   ("referral", "/v1/monitoring/resolution-rates"): RATES,
                   ("referral", "/v1/agencies"): {"items": [
                       {"agency_id": "disdik-3402", "name": "Dinas Pendidikan Kabupaten Bantul"}]},
                   ("registry", "/v1/registry/exclusion-errors"): EXCLUSION}
        if (host, path) in answers:
            return httpx.Response(200, json=answers[(host, path)])
        return httpx.Response(404, json={"detail": f"no {path}"})

    def params(self, path: str) -> dict[str, str]:
        return dict(next(r for r in reversed(self.sent) if r.url.path == path).url.params)


@pytest.fixture(scope="module")
def services() -> FakeServices:
    return FakeServices()



@pytest.fixture
def client_as(client: tuple[TestClient, DevSignIn],
              services: FakeServices) -> Callable[..., TestClient]:
    app_client, issuer = client
    services.sent.clear()
    services.down.clear()

    def sign_in(role: str, region: str, agency: str | None = None) -> TestClient:
        app_client.cookies.set(SESSION_COOKIE, issuer.token_for(role, region, agency,
                                                                f"dev-{role}"))
        return app_client
    return sign_in


def test_the_page_sends_the_filters_to_every_service(client_as: Callable[..., TestClient],
                                                     services: FakeServices) -> None:
    page = client_as("manager", "3402").get(
        "/dashboard", params={"region": "340205", "from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    expected = {"region": "340205", "from": "2026-11-01T00:00:00+07:00",
                "to": "2026-12-01T00:00:00+07:00"}
    assert services.params("/v1/complaints:stats") == expected
    assert services.params("/v1/registry/exclusion-errors") == expected
    assert services.params("/v1/monitoring/durations") == expected
    assert services.params("/v1/monitoring/resolution-rates") == {**expected, "by": "district"}
    assert services.params("/v1/monitoring/overdue") == {"region": "340205", "limit": "1000"}
    html = page.text
    assert html.count('role="img"') == 6
    assert 'href="/dashboard/export/sectors.csv?region=340205&amp;from=2026-11-01&amp;' \
           'to=2026-11-30"' in html
    assert '<option value="340205" selected>' in html
    assert "Dinas Pendidikan Kabupaten Bantul" in html


def test_a_refused_filter_is_said_and_defaults_are_used(
        client_as: Callable[..., TestClient], services: FakeServices) -> None:
    page = client_as("manager", "3402").get("/dashboard", params={"region": "3404",
                                                                  "to": "kemarin"})
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "di luar wilayah kerja Anda" in page.text
    assert 'aria-invalid="true" aria-describedby="region-error"' in page.text
    assert services.params("/v1/complaints:stats")["region"] == "3402"


def test_a_service_that_is_down_leaves_the_other_tables(
        client_as: Callable[..., TestClient], services: FakeServices) -> None:
    services.down.add("registry")
    page = client_as("national_admin", "").get("/dashboard?lang=en")
    assert page.status_code == 200
    assert "The figures of the registry service could not be loaded: registry is " \
           "restarting" in page.text
    assert 'data-testid="table-sectors"' in page.text
    assert 'data-testid="table-exclusion"' not in page.text
    assert "region" not in services.params("/v1/complaints:stats")  # national: no filter


def test_csv_export_of_one_table(client_as: Callable[..., TestClient],
                                 services: FakeServices) -> None:
    answer = client_as("back_office", "3402").get(
        "/dashboard/export/resolution.csv?region=3402&from=2026-11-01&to=2026-11-30")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="slrt-resolution-3402-2026-11-01-2026-11-30.csv"')
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8"))))
    assert rows[1] == ["3402", "Kabupaten Bantul", "4", "1", "1", "25.0", "25.0"]
    assert [r.url.path for r in services.sent] == ["/v1/monitoring/resolution-rates"]
    assert client_as("manager", "3402").get("/dashboard/export/nope.csv").status_code == 404


def test_only_dashboard_roles_may_open_it(client_as: Callable[..., TestClient]) -> None:
    assert client_as("agency_officer", "3402", "disdik-3402").get(
        "/dashboard").status_code == 403
    assert client_as("front_office", "3402").get(
        "/dashboard/export/sectors.csv").status_code == 403
    assert client_as("province_coordinator", "34").get("/dashboard").status_code == 200
