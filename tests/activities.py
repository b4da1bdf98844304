"""Builders for realistic Teams activities, shaped like what Teams posts to the bot."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "7d9a3e2b-1c4f-4b8e-9a61-5f0c2d8e4b17"
BOT = {"id": "28:sparringbot-app-id", "name": "Sparringbot"}
_ids = itertools.count(1)


def user(key: str, *, name: str | None = None) -> dict[str, Any]:
    """A Teams user account as it appears in ``from`` (ids only, like real Teams)."""
    account: dict[str, Any] = {"id": f"29:{key}", "aadObjectId": f"aad-{key}"}
    if name:
        account["name"] = name
    return account


def personal_conversation(key: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:personal-{key}"}


def base(service_url: str, *, sender: dict[str, Any], conversation: dict[str, Any], locale: str = "nl-NL",
         **fields: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": f"act-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-03-03T09:00:00.000Z",
        "localTimestamp": "2026-03-03T10:00:00.000+01:00",
        "from": sender,
        "recipient": BOT,
        "conversation": conversation,
        "channelData": {"tenant": {"id": TENANT}},
        "locale": locale,
    }
    activity.update(fields)
    return activity


def message(service_url: str, text: str, *, key: str = "anna", locale: str = "nl-NL",
            **fields: Any) -> dict[str, Any]:
    """A personal-chat message from user ``key``."""
    return base(service_url, sender=user(key), conversation=personal_conversation(key), locale=locale,
                type="message", text=text, textFormat="plain", **fields)


def card_submit(service_url: str, value: dict[str, Any], *, key: str = "anna", reply_to: str = "m1") -> dict[str, Any]:
    """An ``Action.Submit``: a message with ``value`` and no text."""
    return base(service_url, sender=user(key), conversation=personal_conversation(key),
                type="message", value=value, replyToId=reply_to)


def installation_add(service_url: str, *, key: str = "anna", locale: str = "nl-NL") -> dict[str, Any]:
    """The app installed in a personal chat."""
    return base(service_url, sender=user(key), conversation=personal_conversation(key), locale=locale,
                type="installationUpdate", action="add")


def team_install(service_url: str, *, team_id: str = "19:team@thread.tacv2", key: str = "dia") -> dict[str, Any]:
    """The bot added to the programme's team (conversationUpdate, membersAdded = the bot)."""
    conversation = {"conversationType": "channel", "tenantId": TENANT, "id": team_id, "isGroup": True}
    activity = base(service_url, sender=user(key), conversation=conversation, type="conversationUpdate",
                    membersAdded=[{"id": BOT["id"]}])
    activity["channelData"] = {"tenant": {"id": TENANT}, "eventType": "teamMemberAdded",
                               "team": {"id": team_id, "name": "dBos po"}}
    return activity


def team_members_changed(service_url: str, *, added: list[str] = (), removed: list[str] = (),
                         team_id: str = "19:team@thread.tacv2") -> dict[str, Any]:
    """Members joining or leaving the programme's team."""
    conversation = {"conversationType": "channel", "tenantId": TENANT, "id": team_id, "isGroup": True}
    event = "teamMemberAdded" if added else "teamMemberRemoved"
    activity = base(service_url, sender=user("dia"), conversation=conversation, type="conversationUpdate")
    if added:
        activity["membersAdded"] = [user(k) for k in added]
    if removed:
        activity["membersRemoved"] = [user(k) for k in removed]
    activity["channelData"] = {"tenant": {"id": TENANT}, "eventType": event,
                               "team": {"id": team_id, "name": "dBos po"}}
    return activity


def member(key: str, *, name: str, email: str) -> dict[str, Any]:
    """A roster entry as the connector returns it (TeamsChannelAccount)."""
    return {"id": f"29:{key}", "aadObjectId": f"aad-{key}", "name": name, "email": email,
            "userPrincipalName": email, "tenantId": TENANT, "userRole": "user"}


def card_action(service_url: str, verb: str, data: dict[str, Any], *, key: str, reply_to: str = "m1",
                **inputs: Any) -> dict[str, Any]:
    """An ``Action.Execute`` click (``invoke`` named ``adaptiveCard/action``); inputs merge into data."""
    return base(service_url, sender=user(key), conversation=personal_conversation(key), type="invoke",
                name="adaptiveCard/action", replyToId=reply_to,
                value={"action": {"type": "Action.Execute", "verb": verb, "data": {**data, **inputs}},
                       "trigger": "manual"})


def channel_message(service_url: str, text: str, *, key: str, team_id: str = "19:team@thread.tacv2") -> dict[str, Any]:
    """A message in the programme team's channel that @mentions the bot."""
    conversation = {"conversationType": "channel", "tenantId": TENANT, "id": f"{team_id};messageid=1",
                    "isGroup": True}
    activity = base(service_url, sender=user(key), conversation=conversation, type="message",
                    text=f"<at>Sparringbot</at> {text}",
                    entities=[{"type": "mention", "text": "<at>Sparringbot</at>", "mentioned": BOT}])
    activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": team_id}, "channel": {"id": team_id}}
    return activity
