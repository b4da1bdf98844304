"""The fast reply serialiser gives exactly what msrest's ``Serializer.body`` gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    Entity,
    RoleTypes,
)
from botframework.connector import models
from hypothesis import given, settings
from hypothesis import strategies as st
from msrest import Serializer
from msrest.serialization import Model

from bot.teams.model_serializer import FastBody

DEPENDENCIES = {k: v for k, v in models.__dict__.items() if isinstance(v, type)}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]))


def wire(body: Any) -> str:
    """What is sent: JSON text, where ``True`` and ``1``, or ``3`` and ``3.0``, differ (``==`` says equal)."""
    return json.dumps(body, sort_keys=True)


def serializer() -> Serializer:
    made = Serializer(DEPENDENCIES)
    made.client_side_validation = False  # as the pooled clients run
    return made


def values_of(data_type: str, depth: int) -> st.SearchStrategy[Any]:
    """Values msrest accepts for an attribute of ``data_type``."""
    # Besides plain values, ones msrest converts: enums for text (their value), booleans for
    # numbers and whole numbers for floats (``int(True)``, ``float(3)``).
    basic = {"str": st.text(max_size=12) | st.sampled_from([*ActivityTypes, *RoleTypes]), "bool": st.booleans(),
             "int": st.integers(-10**6, 10**6) | st.booleans(), "long": st.integers(-10**6, 10**6),
             "float": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**6, 10**6),
             "object": json_values, "iso-8601": moments}
    if data_type in basic:
        return basic[data_type]
    if data_type[:1] == "[":
        return st.lists(st.none() | values_of(data_type[1:-1], depth), max_size=3)
    if data_type[:1] == "{":
        return st.dictionaries(st.text(max_size=6), values_of(data_type[1:-1], depth), max_size=3)
    model = DEPENDENCIES.get(data_type)
    if isinstance(model, type) and issubclass(model, Model) and depth < 3:
        return models_of(model, depth + 1)
    return st.none()


def models_of(model: type[Model], depth: int = 0) -> st.SearchStrategy[Model]:
    """Instances of ``model`` with each attribute None or a value of its type."""
    fields = {}
    for attr, description in model._attribute_map.items():
        if attr == "additional_properties":
            fields[attr] = st.none() | st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=2)
        elif isinstance(description["type"], str):
            fields[attr] = st.none() | values_of(description["type"], depth)
    return st.fixed_dictionaries(fields).map(lambda values: model(**values))


@settings(max_examples=400, deadline=None)
@given(activity=models_of(Activity))
def test_generated_activities_serialise_exactly_as_msrest_does(activity: Activity) -> None:
    expected = serializer().body(activity, "Activity")

    def msrest_way(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a tree of exact models must not need msrest's way")

    assert wire(FastBody(serializer(), msrest_way)(activity, "Activity")) == wire(expected)


@settings(max_examples=200, deadline=None)
@given(cards=st.lists(st.sampled_from(["HeroCard", "ThumbnailCard", "CardAction", "SigninCard"]).flatmap(
    lambda name: models_of(DEPENDENCIES[name])), min_size=1, max_size=2))
def test_schema_cards_as_attachment_content_serialise_exactly_as_msrest_does(cards: list[Model]) -> None:
    # ChoicePrompt's hero cards are models of the schema inside an attachment's "object" content.
    activity = Activity(type="message", attachments=[Attachment(content_type="application/vnd.microsoft.card.hero",
                                                                content=card) for card in cards])
    expected = serializer().body(activity, "Activity")

    def msrest_way(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a schema card must not need msrest's way")

    assert wire(FastBody(serializer(), msrest_way)(activity, "Activity")) == wire(expected)


@settings(max_examples=200, deadline=None)
@given(contents=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5), min_size=1, max_size=3),
       text=st.none() | st.text(max_size=30))
def test_card_content_is_kept_as_it_is(contents: list[dict[str, Any]], text: str | None) -> None:
    fast = serializer()
    activity = Activity(type="message", text=text, reply_to_id="m1",
                        attachments=[Attachment(content_type="application/vnd.microsoft.card.adaptive",
                                                content=content) for content in contents])
    assert wire(FastBody(fast, fast.body)(activity, "Activity")) == wire(serializer().body(activity, "Activity"))
    assert [a.content for a in activity.attachments] == contents  # the activity is left as it was


def test_what_msrest_would_convert_goes_msrests_way() -> None:
    """Dicts where models belong, subclasses and card objects: msrest's own way, same result."""
    from botbuilder.core import CardFactory
    from botbuilder.schema import HeroCard

    class Special(ChannelAccount):
        pass

    cases = [
        Activity(type="message", conversation={"id": "a:1", "conversationType": "personal"}),
        Activity(type="message", from_property=Special(id="28:bot", name="Bot")),
        Activity(type="message", attachments=[CardFactory.hero_card(HeroCard(title="Hallo"))]),
        Activity(type="message", attachments=[Attachment(content_type="x", content={"at": datetime(2027, 3, 28,
                                                                                                   tzinfo=UTC)})]),
        Activity(type="message", entities=[Entity(type="mention", additional_properties={"text": "@Dia"})]),
    ]
    for activity in cases:
        fast = serializer()
        assert wire(FastBody(fast, fast.body)(activity, "Activity")) == wire(serializer().body(activity, "Activity"))


def test_a_model_the_fast_walk_refuses_goes_msrests_way_every_time() -> None:
    """Its class is refused once and remembered as refused: the second reply is msrest's too.

    (The schema's ``MessagingExtensionResponse`` names one field's type by class, not by name.)
    """
    activity = Activity(type="invokeResponse", value=models.MessagingExtensionResponse(
        compose_extension=models.MessagingExtensionResult(type="message", text="Hallo")))
    fast = serializer()
    body = FastBody(fast, fast.body)
    expected = wire(serializer().body(activity, "Activity"))
    assert wire(body(activity, "Activity")) == expected
    assert wire(body(activity, "Activity")) == expected


def test_validation_switched_on_goes_msrests_way() -> None:
    checking = Serializer(DEPENDENCIES)
    calls = []

    def body(data: Any, data_type: str, **kwargs: Any) -> Any:
        calls.append(data_type)
        return checking.body(data, data_type, **kwargs)

    activity = Activity(type="message", text="hoi", conversation=ConversationAccount(id="a:1"))
    assert wire(FastBody(checking, body)(activity, "Activity")) == wire(checking.body(activity, "Activity"))
    assert calls == ["Activity"]
