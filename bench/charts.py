"""The benchmark plots: grouped bar charts drawn with matplotlib (a ``Figure`` on an Agg canvas)."""

from __future__ import annotations

from pathlib import Path

# Okabe & Ito's colours: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")


def bar_chart(path: Path, title: str, groups: list[str], series: dict[str, list[float]], *, unit: str = "",
              target: float | None = None, cap: float | None = None, width: int = 1200, height: int = 675) -> Path:
    """Grouped bars: one group per x label, one colour per series; optional dashed target line.

    With ``cap`` the axis ends there, so that one huge bar does not flatten the others: a bar
    beyond it is drawn to the top and its value written above it. A missing value (NaN) leaves
    a gap.

    Args:
        path: The PNG to write (its folder is made).
        title: The chart's title.
        groups: The x labels.
        series: Series name → one value per group.
        unit: The y axis label.
        target: A value to draw as a dashed red line, labelled as the target.
        cap: The highest value the axis shows.
        width: Pixels.
        height: Pixels.

    Returns:
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white", layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names = list(series)
    slot = 0.8 / max(1, len(names))
    values = [v for vs in series.values() for v in vs if v == v] + ([target] if target else [])
    highest = max(values, default=1.0) or 1.0
    top = (min(highest, cap) if cap else highest) * 1.12  # room above the tallest bar for its label
    for index, name in enumerate(names):
        xs = [g - 0.4 + slot * (index + 0.5) for g in range(len(groups))]
        ys = [series[name][g] if g < len(series[name]) else float("nan") for g in range(len(groups))]
        colour = PALETTE[index % len(PALETTE)]
        axes.bar(xs, [(min(y, cap) if cap else y) if y == y else 0 for y in ys], width=slot * 0.92, color=colour,
                 label=name)
        for x, y in zip(xs, ys, strict=True):
            if y == y and cap and y > cap:
                axes.text(x, cap, f"{y:.0f}", ha="center", va="bottom", fontsize=12, color=colour)
    if target:
        axes.axhline(target, color="#C00000", linestyle="--", linewidth=2)
        axes.text(len(groups) - 0.5, target, f"target {target:g}", ha="right", va="bottom", color="#C00000",
                  fontsize=13)
    axes.set_ylim(0, top)
    axes.set_xticks(range(len(groups)), groups, fontsize=13)
    axes.tick_params(axis="y", labelsize=12)
    axes.set_ylabel(unit, fontsize=13)
    axes.set_title(title, fontsize=17, loc="left")
    axes.grid(axis="y", color="#DDDDDD")
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(frameon=False, fontsize=12, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", metadata={"Title": title, "Software": None})
    return path
