"""The state codec's cost does not grow with the cards a prompt holds: msrest never walks them.

A confirmation prompt keeps its whole Adaptive Card in dialog state, and the state is encoded
on every save (the store compares the encoding with what it read, then writes it if it changed). Counted in Python calls
into msrest (``sys.setprofile``): a count, not a time, so a loaded machine cannot change it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity, Attachment, HeroCard

from storage import state_codec


def card(blocks: int) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5",
            "body": [{"type": "TextBlock", "text": f"Regel {i}", "wrap": True} for i in range(blocks)]}


def prompt_state(blocks: int) -> dict[str, Any]:
    prompt = Activity(type="message", input_hint="expectingInput", attachments=[
        Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card(blocks))])
    options = PromptOptions(prompt=prompt, retry_prompt=prompt)
    stack = [DialogInstance(id="question.confirm", state={"options": options})]
    return {"DialogState": DialogState(stack), "e_tag": "old"}


def msrest_calls(work: Callable[[], Any]) -> int:
    calls = 0

    def count(frame, event, _arg):  # type: ignore[no-untyped-def]
        nonlocal calls
        if event == "call" and "msrest" in frame.f_code.co_filename:
            calls += 1

    sys.setprofile(count)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


def test_encoding_a_prompt_does_not_walk_its_card_in_msrest():
    small, large = prompt_state(1), prompt_state(200)
    assert msrest_calls(lambda: state_codec.encode(large)) == msrest_calls(lambda: state_codec.encode(small))


def test_decoding_a_prompt_does_not_walk_its_card_in_msrest():
    small = json.dumps(state_codec.encode(prompt_state(1)))
    large = json.dumps(state_codec.encode(prompt_state(200)))
    assert msrest_calls(lambda: state_codec.decode(large)) == msrest_calls(lambda: state_codec.decode(small))


def test_a_prompt_round_trips_to_the_same_json_and_the_same_objects():
    document = prompt_state(3)
    data = state_codec.encode(document)
    again = state_codec.decode(json.dumps(data))
    assert state_codec.encode(again) == data
    prompt = again["DialogState"].dialog_stack[0].state["options"].prompt
    assert isinstance(prompt, Activity) and prompt.input_hint == "expectingInput"
    assert prompt.attachments[0].content_type == "application/vnd.microsoft.card.adaptive"
    assert prompt.attachments[0].content == card(3)
    # The JSON is msrest's for the activity, with the card as it is: as the codec always wrote it.
    value = data["DialogState"]["value"]["stack"][0]["value"]["state"]["options"]["value"]["prompt"]["value"]
    assert value == {"type": "message", "inputHint": "expectingInput", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card(3)}]}


def test_an_attachment_and_a_card_object_as_content_survive():
    hero = Attachment(content_type="application/vnd.microsoft.card.hero", content=HeroCard(title="Kies"))
    again = state_codec.decode(json.dumps(state_codec.encode({"a": hero, "b": Activity(attachments=[hero])})))
    assert again["a"].content_type == "application/vnd.microsoft.card.hero"
    assert isinstance(again["a"].content, HeroCard) and again["a"].content.title == "Kies"
    assert isinstance(again["b"].attachments[0].content, HeroCard)
    assert hero.content.title == "Kies"  # encoding left the caller's objects as they were


def test_an_activity_whose_attachments_are_not_objects_is_refused_not_half_read():
    bad = json.dumps({"s": {"$type": "Activity", "value": {"type": "message", "attachments": [1, 2]}}})
    with pytest.raises(state_codec.StateFormatError):
        state_codec.decode(bad)
