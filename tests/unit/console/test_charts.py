"""SVG bar charts: geometry proportional to the values, zero and empty data, long labels, and
accessible, escaped markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from services.console.domain.charts import (
    BAR_HEIGHT,
    EMPTY_HEIGHT,
    GAP,
    MAX_LABEL_CHARS,
    PAD,
    PLOT_WIDTH,
    Bar,
    bar_chart,
    layout,
    shorten,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_lengths_are_proportional_to_values() -> None:
    placed, height = layout([Bar("a", 10), Bar("b", 5), Bar("c", 2.5)])
    assert [p.length for p in placed] == [PLOT_WIDTH, PLOT_WIDTH / 2, PLOT_WIDTH / 4]
    assert [p.y for p in placed] == [PAD, PAD + BAR_HEIGHT + GAP, PAD + 2 * (BAR_HEIGHT + GAP)]
    assert height == 2 * PAD + 3 * BAR_HEIGHT + 2 * GAP
    assert [p.shown for p in placed] == ["10", "5", "2.5"]


def test_a_fixed_scale_for_percentages() -> None:
    placed, _ = layout([Bar("x", 50), Bar("y", 100), Bar("z", 120)], max_value=100)
    assert [p.length for p in placed] == [PLOT_WIDTH / 2, PLOT_WIDTH, PLOT_WIDTH]  # capped


def test_zero_values_make_zero_length_bars_not_a_division_by_zero() -> None:
    placed, _ = layout([Bar("a", 0), Bar("b", 0)])
    assert [p.length for p in placed] == [0, 0]
    placed, _ = layout([Bar("a", 0), Bar("b", 4)])
    assert [p.length for p in placed] == [0, PLOT_WIDTH]


def test_empty_data_is_a_small_chart_with_a_message() -> None:
    placed, height = layout([])
    assert placed == [] and height == EMPTY_HEIGHT
    svg = bar_chart("Kosong", [], empty_text="Tidak ada data")
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-label") == "Kosong"
    assert root.find(f"{SVG}rect") is None
    assert "Tidak ada data" in "".join(root.itertext())


def test_bad_values_are_refused() -> None:
    for value in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            layout([Bar("a", value)])
    with pytest.raises(ValueError):
        layout([Bar("a", 1)], max_value=0)


def test_long_labels_are_shortened_with_the_full_label_in_a_tooltip() -> None:
    long = "Lanjut usia dan penyandang disabilitas di Kecamatan Bambanglipuro"
    assert len(shorten(long)) == MAX_LABEL_CHARS and shorten(long).endswith("…")
    assert shorten("  Kesehatan \n ") == "Kesehatan"
    svg = str(bar_chart("Sektor", [Bar(long, 3)], empty_text="-"))
    root = ET.fromstring(svg)
    group = root.find(f"{SVG}g")
    assert group is not None
    assert group.findtext(f"{SVG}title") == f"{long}: 3"
    assert group.findall(f"{SVG}text")[0].text == shorten(long)


def test_markup_is_accessible_and_escaped() -> None:
    svg = str(bar_chart('Pengaduan <per> "sektor"', [Bar("A & B", 2, "2,0"), Bar("C", 1)],
                        empty_text="-", description="dua baris"))
    root = ET.fromstring(svg)  # well-formed: every text escaped
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'Pengaduan <per> "sektor"'
    assert root.findtext(f"{SVG}title") == 'Pengaduan <per> "sektor"'
    assert root.findtext(f"{SVG}desc") == "dua baris"
    rects = root.findall(f".//{SVG}rect")
    assert [float(r.get("width", "")) for r in rects] == [PLOT_WIDTH, PLOT_WIDTH / 2]
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["2,0", "1"]
    assert re.search(r'viewBox="0 0 \d+ \d+"', svg)
