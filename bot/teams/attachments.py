"""Which attachments of a message are files someone sent (Teams, the Playground, other clients)."""

from __future__ import annotations

from typing import Any

TEAMS_FILE = "application/vnd.microsoft.teams.file.download.info"
NOT_FILES = ("text/html", "application/vnd.microsoft.card.", "application/vnd.microsoft.teams.card.")


def files_in(activity: Any) -> list[tuple[str, str]]:
    """(name, download URL) of each file attached to a message, from Teams or another client."""
    found = []
    for attachment in activity.attachments or []:
        content_type = attachment.content_type or ""
        if content_type == TEAMS_FILE and isinstance(attachment.content, dict):
            url = attachment.content.get("downloadUrl")  # pre-authorised and short-lived
        elif attachment.content_url and not content_type.startswith(NOT_FILES):
            url = attachment.content_url
        else:
            continue
        if url and str(url).startswith(("https://", "http://")):
            found.append((attachment.name or "bestand", str(url)))
    return found
