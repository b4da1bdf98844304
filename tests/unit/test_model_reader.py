"""The fast activity reader gives exactly what msrest's ``Deserializer`` gives, errors included."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import Activity
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest.serialization import Deserializer

from bot.teams.model_reader import FastReader, read_moment
from tests.unit.test_model_serializer import json_values, models_of, serializer


def msrest() -> Deserializer:
    return Deserializer(Activity._infer_class_models())


def fast_only() -> FastReader:
    """A reader whose msrest fallback fails the test: for data the fast walk must handle itself."""
    class Refuse(Deserializer):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("plain JSON of the schema must not need msrest's way")

    return FastReader(Refuse(Activity._infer_class_models()))


def outcome(read: Any, body: Any) -> Any:
    try:
        result = read("Activity", body)
    except Exception as error:  # noqa: BLE001 - the type of the error is what is compared
        return ("error", type(error))
    return ("ok", result.as_dict() if hasattr(result, "as_dict") else result)


# Keys an activity's JSON may carry that the schema does not know (a generated "name": [] is no
# unknown key but a wrong value for a known one, which msrest's way rightly handles).
SCHEMA_KEYS = frozenset(description["key"] for description in Activity._attribute_map.values())
unknown_keys = st.text(min_size=1, max_size=6).filter(lambda key: key not in SCHEMA_KEYS)


@settings(max_examples=300, deadline=None)
@given(activity=models_of(Activity), extra=st.dictionaries(unknown_keys, json_values, max_size=2))
def test_activities_as_teams_sends_them_are_read_as_msrest_reads_them(activity: Activity, extra: dict) -> None:
    body = serializer().body(activity, "Activity")
    body = {**extra, **body}  # keys the schema does not know land in additional_properties
    assert fast_only()("Activity", body).as_dict() == msrest()("Activity", body).as_dict()


@settings(max_examples=300, deadline=None)
@given(body=st.dictionaries(
    st.sampled_from(["type", "id", "text", "timestamp", "from", "conversation", "attachments", "entities",
                     "value", "channelData", "locale", "replyToId", "membersAdded", "historyDisclosed",
                     "textHighlights", "unknownKey"]),
    json_values | st.sampled_from(["2026-03-28T09:00:00.000Z", "not a date"]), max_size=8))
def test_anything_json_is_read_as_msrest_reads_it_or_refused_alike(body: dict) -> None:
    reader = FastReader(msrest())
    assert outcome(reader, body) == outcome(msrest(), body)


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_no_object_goes_msrests_way(body: Any) -> None:
    assert outcome(FastReader(msrest()), body) == outcome(msrest(), body)


def test_a_teams_message_is_read_without_msrest() -> None:
    body = {"type": "message", "id": "1", "timestamp": "2026-03-03T09:00:00.000Z", "channelId": "msteams",
            "serviceUrl": "https://smba.trafficmanager.net/emea/", "text": "vraag", "textFormat": "plain",
            "from": {"id": "29:anna", "aadObjectId": "aad-anna", "name": "Anna"},
            "recipient": {"id": "28:bot", "name": "Sparringbot"},
            "conversation": {"conversationType": "personal", "tenantId": "t1", "id": "a:1"},
            "entities": [{"type": "clientInfo", "locale": "nl-NL", "country": "NL", "platform": "Web"}],
            "channelData": {"tenant": {"id": "t1"}}, "locale": "nl-NL", "value": {"dialog": "question.send"}}
    read = fast_only()("Activity", body)
    assert read.as_dict() == msrest()("Activity", body).as_dict()
    assert read.from_property.aad_object_id == "aad-anna"
    assert read.entities[0].additional_properties == {"locale": "nl-NL", "country": "NL", "platform": "Web"}


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
       digits=st.integers(0, 7), lower=st.booleans())
def test_moments_are_read_as_msrest_reads_them(moment: datetime, digits: int, lower: bool) -> None:
    fraction = f"{moment.microsecond:06d}{moment.microsecond % 10}"[:digits]
    text = f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "") + "Z"
    text = text.lower() if lower else text
    expected = Deserializer.deserialize_iso(text)
    read = read_moment(text)
    assert read == expected and read.tzinfo is expected.tzinfo


@pytest.mark.parametrize("text", ["2026-02-30T09:00:00Z", "2026-03-03T25:00:00Z", "2026-03-03T09:00:00+01:00",
                                  "2026-03-03 09:00:00Z", "gisteren", "0000-01-01T00:00:00Z"])
def test_odd_moments_are_msrests_to_read_or_refuse(text: str) -> None:
    assert outcome(lambda _target, value: read_moment(value), text) == \
        outcome(lambda _target, value: Deserializer.deserialize_iso(value), text)
