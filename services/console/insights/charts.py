"""The dashboard's tables drawn as SVG on the server (pygal), with no script: the page's table is the chart's text
alternative, and the chart is labelled for screen readers with the table's title."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pygal
from markupsafe import Markup
from pygal.graph.graph import Graph
from pygal.style import Style

from .dashboard import Table, days

STYLE = Style(
    font_family="'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', sans-serif",
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    value_font_size=15,
    no_data_font_size=20,
    colors=("#1d5a8c", "#b3541e", "#2e7d32", "#6a1b9a", "#8d6e00", "#c62828", "#00695c", "#37474f"),
)
OPTIONS = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "width": 760,
    "height": 340,
    "legend_at_bottom": True,
    "truncate_label": -1,  # whole labels (an intent's name, a day): the axes make room for them
    "truncate_legend": -1,
}
PERCENT = "{:.0%}".format
BARS_UP_TO = 31  # days drawn as stacked bars; a longer range is drawn as stacked areas (one path per series)


def _by_day(table: Table, label_col: int, value_col: int, span: list[date], chart: Graph) -> Graph:
    """One series per label (a channel, a payment state), one value per day of the range."""
    series: dict[str, dict[date, int]] = {}
    for row in table.rows:
        series.setdefault(str(row[label_col]), {})[row[0]] = row[value_col]
    chart.x_labels = [d.strftime("%m/%d") for d in span]
    chart.x_labels_major_count = 10
    chart.show_minor_x_labels = len(span) <= 14
    for label, values in sorted(series.items()):
        chart.add(label, [values.get(d, 0) for d in span])
    return chart


def _bars(labels: list[str], values: list[float], title: str, percent: bool = False) -> Graph:
    """Horizontal bars, the table's first row on top (pygal draws the first label at the bottom)."""
    chart = pygal.HorizontalBar(**OPTIONS, show_legend=False, range=(0, 1) if percent else None)
    if percent:
        chart.value_formatter = PERCENT
    chart.x_labels = labels[::-1]
    chart.add(title, values[::-1])
    return chart


def _per_day(span: list[date]) -> Graph:
    if len(span) <= BARS_UP_TO:
        return pygal.StackedBar(**OPTIONS)
    return pygal.StackedLine(**OPTIONS, fill=True, show_dots=False)


def _traffic(table: Table, span: list[date]) -> Graph:
    return _by_day(table, 1, 3, span, _per_day(span))


def _answer_rate(table: Table, span: list[date]) -> Graph:
    rows = [r for r in table.rows if r[3] is not None]
    return _bars([str(r[0]) for r in rows], [r[3] for r in rows], "回答率", percent=True)


def _top_intents(table: Table, span: list[date]) -> Graph:
    return _bars([str(r[0]) for r in table.rows], [r[1] for r in table.rows], "件数")


def _top_unanswered(table: Table, span: list[date]) -> Graph:
    return _bars([str(r[0])[:24] for r in table.rows], [r[1] for r in table.rows], "件数")


def _feedback(table: Table, span: list[date]) -> Graph:
    chart = pygal.Pie(**OPTIONS)
    helpful, not_helpful, _ = table.rows[0]
    chart.add("役に立った", helpful)
    chart.add("役に立たなかった", not_helpful)
    return chart


def _bookings(table: Table, span: list[date]) -> Graph:
    return _by_day(table, 1, 2, span, _per_day(span))


DRAW: dict[str, Callable[[Table, list[date]], Graph]] = {
    "traffic": _traffic,
    "answer_rate": _answer_rate,
    "top_intents": _top_intents,
    "top_unanswered": _top_unanswered,
    "feedback": _feedback,
    "bookings": _bookings,
}


def svg(table: Table, start: date, end: date, style_nonce: str) -> Markup:
    """The table's chart as inline SVG, labelled with its title; its <style> carries the page's CSP nonce."""
    chart = DRAW[table.name](table, days(start, end))
    chart.title = None
    chart.no_data_text = "データなし"
    text = chart.render(is_unicode=True)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(table.title)}（グラフ）" ', 1)
    text = text.replace('<style type="text/css">', f'<style nonce="{Markup.escape(style_nonce)}">', 1)
    return Markup(text)
