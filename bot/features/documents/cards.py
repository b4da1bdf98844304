"""Adaptive Cards for handing in documents: the description form, the receipt, the lists."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards import adaptive_card, card_button, escape, heading, paragraph
from bot.domain.deadlines import Deadline
from bot.domain.documents import CATEGORIES, Consent, Document
from bot.domain.localtime import format_moment
from bot.domain.models import Participant
from bot.domain.services.documents import PendingUpload
from bot.texts import Catalogue

Card = dict[str, Any]


def size_label(size: int) -> str:
    """1.234 bytes as "1,2 kB" / "3,4 MB" (Dutch decimal comma)."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} B"


def submission_form(texts: Catalogue, language: str, upload: PendingUpload, token: str,
                    deadlines: Sequence[Deadline], suggested: str | None, kind: str | None = None) -> Card:
    """Asks what the file is (``kind`` pre-selected when the person said it), which deadline and who may see it."""
    t = texts.text
    deadline_choices = [{"title": t("submission.no_deadline", language), "value": ""}] + [
        {"title": d.title, "value": d.id} for d in deadlines]
    body = [
        heading(t("submission.title", language, file=escape(upload.file_name))),
        paragraph(size_label(upload.size), isSubtle=True),
        {"type": "Input.ChoiceSet", "id": "category", "label": t("submission.category", language),
         "isRequired": True, "value": kind if kind in CATEGORIES else "",
         "choices": [{"title": t(f"category.{c}", language), "value": c} for c in CATEGORIES]},
        {"type": "Input.ChoiceSet", "id": "deadline", "label": t("submission.deadline", language),
         "value": suggested or "", "choices": deadline_choices},
        {"type": "Input.ChoiceSet", "id": "consent", "label": t("submission.consent", language),
         "style": "expanded", "value": Consent.PROJECT_TEAM.value,
         "choices": [{"title": t(f"submission.consent.{c.value}", language), "value": c.value} for c in Consent]},
        {"type": "Input.Text", "id": "note", "label": t("submission.note", language), "isMultiline": True,
         "maxLength": 1000},
    ]
    return adaptive_card(body, [card_button(t("submission.save", language), "submission_save", token=token)])


def receipt_card(texts: Catalogue, language: str, document: Document, *, duplicate: bool,
                 deadline_title: str | None, zone: ZoneInfo) -> Card:
    """Exactly what was stored."""
    t = texts.text
    title_key = "submission.duplicate_title" if duplicate else "submission.receipt_title"
    facts = [
        (t("submission.category", language), t(f"category.{document.category}", language)),
        (t("submission.deadline", language), escape(deadline_title) if deadline_title else "-"),
        (t("submission.consent", language), t(f"submission.consent.{document.consent.value}", language)),
        (t("submission.size", language), size_label(document.size)),
        (t("submission.received_at", language), format_moment(document.created_at, zone, language)),
        (t("submission.note", language), escape(document.note) or "-"),
    ]
    return adaptive_card([heading(t(title_key, language, file=escape(document.file_name))),
                          {"type": "FactSet", "facts": [{"title": a, "value": b} for a, b in facts]}])


def examples_card(texts: Catalogue, language: str, documents: Sequence[Document], link: Callable[[Document], str],
                  owners: Mapping[int, str], *, kind: str | None = None) -> Card:
    """Shared examples by category, each with a signed link; only ``kind``'s when asked for and there are any."""
    t = texts.text
    if not documents:
        return adaptive_card([heading(t("examples.title", language)), paragraph(t("examples.none", language))])
    body: list[Card] = [heading(t("examples.title", language))]
    categories: Sequence[str] = CATEGORIES
    if kind in CATEGORIES:
        if any(d.category == kind for d in documents):
            categories = [kind]
        else:
            body.append(paragraph(t("examples.kind_none", language, kind=t(f"category.{kind}", language))))
    for category in categories:
        items = [d for d in documents if d.category == category]
        if not items:
            continue
        body.append(paragraph(f"**{t(f'category.{category}', language)}**", spacing="Medium"))
        for document in items[:10]:
            body.append(paragraph(f"[{escape(document.file_name)}]({link(document)}) · "
                                  f"{escape(owners.get(document.owner_id, ''))}", spacing="None"))
    return adaptive_card(body)


def submissions_card(texts: Catalogue, language: str, documents: Sequence[Document], deadlines: Sequence[Deadline],
                     names: Mapping[int, str], missing: Mapping[str, Sequence[Participant]]) -> Card:
    """The coordinator's view: per deadline and category who handed in what, and who did not.

    ``names``: participant id → how they are named ("Name (Library)"), for both lists.
    """
    t = texts.text
    if not documents and not missing:
        return adaptive_card([heading(t("submissions.title", language)), paragraph(t("submissions.none", language))])
    body: list[Card] = [heading(t("submissions.title", language))]
    titles = {d.id: d.title for d in deadlines}
    for deadline_id in [*titles, None]:
        docs = [d for d in documents if d.deadline_id == deadline_id]
        absent = missing.get(deadline_id or "", [])
        if not docs and not absent:
            continue
        title = titles.get(deadline_id or "") or t("submissions.no_deadline", language)
        body.append(paragraph(f"**{escape(title)}**", spacing="Large"))
        for category in CATEGORIES:
            handed = sorted({names.get(d.owner_id, "?") for d in docs if d.category == category})
            if handed:
                body.append(paragraph(f"{t(f'category.{category}', language)}: {escape(', '.join(handed))}",
                                      spacing="None"))
        if absent:
            absent_names = ", ".join(sorted(escape(names.get(p.id) or p.name or p.email or "?") for p in absent))
            body.append(paragraph(f"{t('submissions.missing', language)}: {absent_names}", spacing="None",
                                  isSubtle=True))
    return adaptive_card(body)
