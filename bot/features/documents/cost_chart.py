"""The cost overview as a chart for a slide in a meeting, drawn with matplotlib (Agg).

Top: each payer's median share, stacked to 100%, named and with its percentage. Below: one row
per payer with the range of that share over the libraries (lowest to highest) and the median
as a black mark, the figures written beside it. 1600×900 pixels, large type, and the Okabe–Ito
colours, which people with any common colour-vision deficiency can tell apart.

matplotlib is imported inside the functions, so the bot's start-up and memory pay for it only
once a chart is drawn; the figure is a plain ``matplotlib.figure.Figure`` on its own Agg
canvas, so nothing global (pyplot's state, the default backend, ``rcParams``) is touched.
Drawing takes a few hundred milliseconds of CPU: call ``cost_overview_png`` in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from bot.domain.cost_split import CostAggregate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 1600, 900, 100
PAYER_COLOURS: dict[str, str] = {  # Okabe & Ito, "Color Universal Design"
    "school": "#0072B2",
    "bibliotheek": "#E69F00",
    "subsidie": "#009E73",
    "gemeente": "#CC79A7",
    "overig": "#999999",
}
_OTHER_COLOUR, _INK, _MUTED, _TRACK = "#56B4E9", "#1A1A1A", "#4D4D4D", "#E6E6E6"
_FONT = {"title": 34, "subtitle": 21, "label": 24, "value": 21, "tick": 18, "legend": 18}


@dataclass(frozen=True)
class CostChartTexts:
    """The words on the chart, from the catalogue in the reader's language.

    Attributes:
        language: ``nl`` or ``en``: how numbers are written (``€ 1.234``, ``37,5%``).
        title: The heading.
        subtitle: The line under it (how many libraries, the total).
        median_row: The label of the stacked bar of median shares (the typical split).
        axis: The range panel's axis label.
        range_legend: What a coloured range bar means.
        median_legend: What the black mark means.
        share: Template of the figures beside each range, with ``median``, ``minimum``, ``maximum``.
        payers: Payer key → name.
        description: The chart in words, for the PNG's description (screen readers, a saved file).
    """

    language: str
    title: str
    subtitle: str
    median_row: str
    axis: str
    range_legend: str
    median_legend: str
    share: str
    payers: Mapping[str, str]
    description: str


def euro(value: Decimal | float | int, language: str) -> str:
    """Whole euros the Dutch way (``€ 1.234``), or the English way (``€1,234``) for ``en``."""
    whole = f"{int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"
    return f"€{whole}" if language == "en" else "€ " + whole.replace(",", ".")


def percent(value: Decimal | float | int, language: str) -> str:
    """A share with at most one decimal: ``37,5%`` (``37.5%`` for ``en``), ``40%`` when whole."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}".removesuffix(".0")
    return (text if language == "en" else text.replace(".", ",")) + "%"


def cost_overview_figure(aggregate: CostAggregate, texts: CostChartTexts) -> Figure:
    """The chart as a matplotlib ``Figure`` with its own Agg canvas (the tests read its texts).

    Args:
        aggregate: The anonymised overview (at least the minimum number of libraries).
        texts: The words, in the reader's language.

    Returns:
        A 1600×900 figure, not yet rendered.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    payers = [p for p in aggregate.payers if p in aggregate.shares]
    colours = {p: PAYER_COLOURS.get(p, _OTHER_COLOUR) for p in payers}
    figure.text(0.04, 0.925, texts.title, fontsize=_FONT["title"], fontweight="bold", color=_INK, va="center")
    figure.text(0.04, 0.855, texts.subtitle, fontsize=_FONT["subtitle"], color=_MUTED, va="center")
    left, width = 0.16, 0.55

    # The typical split: the median shares, scaled so that they fill 100%. Named only: the
    # medians need not add up to 100%, so the figures belong to the rows below, not here.
    stacked = figure.add_axes((left, 0.66, width, 0.12))
    stacked.set_xlim(0, 100)
    renderer = figure.canvas.get_renderer()
    medians = {p: max(Decimal(0), aggregate.shares[p].median) for p in payers}
    whole = sum(medians.values(), Decimal(0)) or Decimal(1)
    start = 0.0
    for payer in payers:
        share = float(medians[payer] * 100 / whole)
        if share <= 0:
            continue
        stacked.barh(0, share, left=start, height=0.8, color=colours[payer], edgecolor="white", linewidth=2)
        name = stacked.text(start + share / 2, 0, texts.payers.get(payer, payer), ha="center", va="center",
                            fontsize=_FONT["value"], fontweight="bold", color=_ink_on(colours[payer]))
        room = stacked.transData.transform((share, 0))[0] - stacked.transData.transform((0, 0))[0]
        if name.get_window_extent(renderer).width + 12 > room:
            name.remove()  # a slice too thin for its name: the rows below name every payer
        start += share
    stacked.set_xlim(0, 100)
    stacked.set_ylim(-0.5, 0.5)
    stacked.set_yticks([0], [texts.median_row], fontsize=_FONT["label"], color=_INK)
    stacked.set_xticks([])
    stacked.tick_params(axis="y", length=0)
    for spine in stacked.spines.values():
        spine.set_visible(False)

    # One row per payer: the range (lowest to highest share) and the median.
    ranges = figure.add_axes((left, 0.17, width, 0.43))
    rows = list(range(len(payers)))[::-1]  # the first payer on top, as in the stacked bar
    for row, payer in zip(rows, payers, strict=True):
        stat = aggregate.shares[payer]
        low, high, middle = (min(100.0, max(0.0, float(v))) for v in (stat.minimum, stat.maximum, stat.median))
        ranges.barh(row, 100, height=0.18, color=_TRACK)
        ranges.barh(row, max(high - low, 0.6), left=low if high > low else low - 0.3, height=0.55,
                    color=colours[payer])
        ranges.plot([middle], [row], marker="|", markersize=44, markeredgewidth=5, color=_INK)
        figures = texts.share.format(median=percent(stat.median, texts.language),
                                     minimum=percent(stat.minimum, texts.language),
                                     maximum=percent(stat.maximum, texts.language))
        ranges.text(1.02, row, figures, transform=ranges.get_yaxis_transform(), va="center",
                    fontsize=_FONT["value"], color=_INK)
    ranges.set_xlim(0, 100)
    ranges.set_ylim(-0.6, len(payers) - 0.4)
    ranges.set_yticks(rows, [texts.payers.get(p, p) for p in payers], fontsize=_FONT["label"], color=_INK)
    ranges.set_xticks([0, 25, 50, 75, 100], [percent(t, texts.language) for t in (0, 25, 50, 75, 100)],
                      fontsize=_FONT["tick"], color=_MUTED)
    ranges.set_xlabel(texts.axis, fontsize=_FONT["tick"], color=_MUTED, labelpad=8)
    ranges.tick_params(axis="y", length=0)
    ranges.grid(axis="x", color="#CCCCCC", linewidth=1)
    ranges.set_axisbelow(True)
    for name in ("top", "right", "left"):
        ranges.spines[name].set_visible(False)
    figure.legend(handles=[Patch(facecolor="#808080", label=texts.range_legend),
                           Line2D([], [], color=_INK, marker="|", linestyle="none", markersize=24,
                                  markeredgewidth=4, label=texts.median_legend)],
                  loc="lower right", bbox_to_anchor=(0.97, 0.0), ncols=2, frameon=False, fontsize=_FONT["legend"])
    return figure


def cost_overview_png(aggregate: CostAggregate, texts: CostChartTexts) -> bytes:
    """The chart as PNG bytes, with the title and the description in the PNG's text fields.

    Args:
        aggregate: The anonymised overview.
        texts: The words, in the reader's language.

    Returns:
        A 1600×900 PNG.
    """
    figure = cost_overview_figure(aggregate, texts)
    buffer = io.BytesIO()
    # No "Software" field: the file says nothing about the server that drew it.
    figure.savefig(buffer, format="png", dpi=DPI,
                   metadata={"Title": texts.title, "Description": texts.description, "Software": None})
    return buffer.getvalue()


def _ink_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG's contrast ratio)."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#FFFFFF"
