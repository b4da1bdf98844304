"""The cost-split form (with its errors on the card) and the anonymous overview with its chart."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from bot.cards import adaptive_card, card_button, heading, paragraph
from bot.domain.cost_split import PAYERS, CostAggregate
from bot.features.documents.cost_chart import CostChartTexts, euro, percent
from bot.texts import Catalogue

Card = dict[str, Any]
FIELDS = ("total", "pupils", *PAYERS)


def cost_form(texts: Catalogue, language: str, document_ref: str, *, values: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None, placeholders: Mapping[str, str] | None = None) -> Card:
    """Total, pupils and the five payers; each error appears under its field."""
    t = texts.text
    values, errors = values or {}, errors or {}
    body: list[Card] = [heading(t("cost.title", language)), paragraph(t("cost.intro", language), isSubtle=True)]

    def field(name: str, label: str) -> None:
        body.append({"type": "Input.Text", "id": name, "label": label, "value": str(values.get(name, "")),
                     "maxLength": 20})
        if name in errors:
            body.append(paragraph(t(errors[name], language, **(placeholders or {})), color="Attention",
                                  spacing="None"))

    field("total", t("cost.field.total", language))
    field("pupils", t("cost.field.pupils", language))
    body.append({"type": "Input.ChoiceSet", "id": "unit", "label": t("cost.field.unit", language),
                 "style": "expanded", "value": values.get("unit", "amounts"),
                 "choices": [{"title": t(f"cost.unit.{u}", language), "value": u} for u in ("amounts", "percentages")]})
    for payer in PAYERS:
        field(payer, t(f"cost.payer.{payer}", language))
    if "parts" in errors:
        body.append(paragraph(t(errors["parts"], language, **(placeholders or {})), color="Attention"))
    return adaptive_card(body, [card_button(t("cost.save", language), "cost_save", ref=document_ref)])


def overview_card(texts: Catalogue, language: str, aggregate: CostAggregate, *, chart_png: bytes) -> Card:
    """Count, median and range of the total and of each payer's share, with the chart (``cost_chart``)."""
    t = texts.text
    total = aggregate.total
    facts = [{"title": t("costs.libraries", language), "value": str(aggregate.count)},
             {"title": t("costs.total", language),
              "value": t("costs.total_value", language, median=_euro(total.median), minimum=_euro(total.minimum),
                         maximum=_euro(total.maximum))}]
    labels = {p: t(f"cost.payer.{p}", language) for p in aggregate.payers}
    shares = [paragraph(t("costs.share", language, payer=labels[p], median=_num(s.median), minimum=_num(s.minimum),
                          maximum=_num(s.maximum)), spacing="None") for p, s in aggregate.shares.items()]
    png = base64.b64encode(chart_png).decode()
    chart = {"type": "Image", "url": f"data:image/png;base64,{png}", "altText": t("costs.title", language),
             "size": "Stretch"}
    return adaptive_card([heading(t("costs.title", language)), {"type": "FactSet", "facts": facts}, chart, *shares])


def chart_texts(texts: Catalogue, language: str, aggregate: CostAggregate) -> CostChartTexts:
    """The words on the cost chart, from the catalogue in ``language``."""
    t = texts.text
    payers = {p: t(f"cost.payer.{p}", language) for p in aggregate.payers}
    total = aggregate.total
    described = [t("costs.chart.description", language, payer=payers.get(p, p),
                   median=percent(s.median, language), minimum=percent(s.minimum, language),
                   maximum=percent(s.maximum, language)) for p, s in aggregate.shares.items()]
    return CostChartTexts(
        language=language, title=t("costs.chart.title", language),
        subtitle=t("costs.chart.subtitle", language, count=aggregate.count, median=euro(total.median, language),
                   minimum=euro(total.minimum, language), maximum=euro(total.maximum, language)),
        median_row=t("costs.chart.median_row", language), axis=t("costs.chart.axis", language),
        range_legend=t("costs.chart.range_legend", language), median_legend=t("costs.chart.median_legend", language),
        share=t("costs.chart.share", language, median="{median}", minimum="{minimum}", maximum="{maximum}"),
        payers=payers, description="; ".join(described))


def _num(value: object) -> str:
    return str(value).replace(".", ",")


def _euro(value: object) -> str:
    whole, _, cents = f"{float(str(value)):,.2f}".partition(".")
    return whole.replace(",", ".") + "," + cents
