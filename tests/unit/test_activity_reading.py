"""Incoming activities and stored conversation references, read through msrest's public ``deserialize``.

These replace the tests of the removed ``bot/teams/model_reader.py``: the behaviour the bot relies
on (Teams' activities read whole, Teams' moments as aware datetimes, bad bodies refused, a stored
reference read back as it was) is checked on the public path the adapter and proactive sending use.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import ConversationReference

from bot.teams.adapter import BadBody, read_activity
from bot.teams.proactive import address_from_turn
from tests import activities

SERVICE_URL = "https://smba.trafficmanager.net/emea/"

# Every shape of activity Teams posts to the bot that the tests know, as Teams writes them.
TEAMS_ACTIVITIES = {
    "message": activities.message(SERVICE_URL, "vraag"),
    "card submit": activities.card_submit(SERVICE_URL, {"dialog": "question.send", "theme": "leesbevordering"}),
    "installation": activities.installation_add(SERVICE_URL),
    "team install": activities.team_install(SERVICE_URL),
    "members changed": activities.team_members_changed(SERVICE_URL, added=["bert"], removed=["carla"]),
    "card action": activities.card_action(SERVICE_URL, "request.accept", {"request": 7}, key="dia", note="ok"),
    "channel message": activities.channel_message(SERVICE_URL, "help", key="anna"),
}


def read(body: Any) -> Any:
    return read_activity(json.dumps(body).encode("utf-8"))


@pytest.mark.parametrize("name", sorted(TEAMS_ACTIVITIES))
def test_teams_activities_are_read_whole(name: str) -> None:
    body = TEAMS_ACTIVITIES[name]
    activity = read(body)
    assert activity.type == body["type"] and activity.id == body["id"]
    assert activity.channel_id == "msteams" and activity.service_url == SERVICE_URL
    assert activity.from_property.id == body["from"]["id"]
    assert activity.from_property.aad_object_id == body["from"]["aadObjectId"]
    assert activity.recipient.id == activities.BOT["id"]
    assert activity.conversation.id == body["conversation"]["id"]
    assert activity.conversation.conversation_type == body["conversation"]["conversationType"]
    assert activity.channel_data == body["channelData"]  # plain JSON, as Teams sent it
    assert activity.value == body.get("value") and activity.text == body.get("text")
    assert [m.id for m in activity.members_added or []] == [m["id"] for m in body.get("membersAdded", [])]
    assert [m.id for m in activity.members_removed or []] == [m["id"] for m in body.get("membersRemoved", [])]


def test_a_mention_keeps_what_the_schema_does_not_name() -> None:
    activity = read(TEAMS_ACTIVITIES["channel message"])
    mention = activity.entities[0]
    assert mention.type == "mention"
    assert mention.additional_properties == {"text": "<at>Sparringbot</at>", "mentioned": activities.BOT}


def test_unknown_keys_land_in_additional_properties() -> None:
    body = dict(activities.message(SERVICE_URL, "hoi"), futureField={"x": [1, 2]})
    assert read(body).additional_properties == {"futureField": {"x": [1, 2]}}


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-03T09:00:00.000Z", datetime(2026, 3, 3, 9, tzinfo=UTC)),
    ("2026-03-03T09:00:00Z", datetime(2026, 3, 3, 9, tzinfo=UTC)),
    ("2026-03-03T09:00:00.5z", datetime(2026, 3, 3, 9, 0, 0, 500000, tzinfo=UTC)),
    ("2026-03-03T09:00:00.1234567Z", datetime(2026, 3, 3, 9, 0, 0, 123456, tzinfo=UTC)),  # Teams' 7 digits
    ("2026-03-03T10:00:00.000+01:00", datetime(2026, 3, 3, 9, tzinfo=UTC)),
])
def test_teams_moments_are_read_as_aware_datetimes(text: str, expected: datetime) -> None:
    moment = read({"type": "message", "timestamp": text}).timestamp
    assert moment == expected and moment.utcoffset() is not None


def test_the_local_timestamp_keeps_its_offset() -> None:
    moment = read(activities.message(SERVICE_URL, "hoi")).local_timestamp
    assert moment.utcoffset() == timedelta(hours=1) and moment == datetime(2026, 3, 3, 9, tzinfo=UTC)


@pytest.mark.parametrize("body", [
    {"type": "message", "timestamp": "gisteren"},
    {"type": "message", "timestamp": "2026-02-30T09:00:00Z"},
    {"type": "message", "timestamp": "2026-03-03 09:00:00Z"},
    {"type": "message", "from": []},
    {"type": "message", "membersAdded": "29:anna"},
    {"type": "message", "attachments": {"contentType": "x"}},
    {"text": "no type"},
    {"type": ""},
])
def test_what_is_no_activity_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(BadBody):
        read(body)


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'"text"', b"\xff", b"{}"])
def test_what_is_no_json_object_is_refused(raw: bytes) -> None:
    with pytest.raises(BadBody):
        read_activity(raw)


@pytest.mark.parametrize("name", sorted(TEAMS_ACTIVITIES))
def test_a_stored_conversation_reference_is_read_back_as_it_was(name: str) -> None:
    """What ``address_from_turn`` stores, proactive sending reads back with the same fields."""
    activity = read(TEAMS_ACTIVITIES[name])
    address = address_from_turn(TurnContext(TestAdapter(), activity))
    stored = json.loads(json.dumps(address.reference))  # as it comes back from the database
    reference = ConversationReference.deserialize(stored)
    assert reference.as_dict() == TurnContext.get_conversation_reference(activity).as_dict()
    assert reference.conversation.id == activity.conversation.id == address.conversation_id
    assert reference.service_url == SERVICE_URL and reference.channel_id == "msteams"
    assert reference.user.id == activity.from_property.id and reference.bot.id == activities.BOT["id"]
