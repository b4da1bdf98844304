import binascii
import threading

import pytest

from storage import state_codec


def test_round_trip_keeps_sdk_objects_and_plain_values():
    from botbuilder.dialogs import DialogInstance, DialogState
    from botbuilder.schema import Activity, ActivityTypes

    prompt = Activity(type=ActivityTypes.message, text="Met wie wil je sparren?")
    document = {"DialogState": DialogState([DialogInstance(id="q", state={"options": prompt, "n": [1, "é"]})])}
    text = state_codec.encode(document)
    assert text.startswith(state_codec.PICKLE_PREFIX) and text.isascii()
    back = state_codec.decode(text)["DialogState"].dialog_stack[0]
    assert back.id == "q" and back.state["n"] == [1, "é"]
    assert back.state["options"].text == "Met wie wil je sparren?" and back.state["options"].type == "message"


def test_what_pickle_refuses_is_written_as_jsonpickle_json():
    text = state_codec.encode({"lock": threading.Lock(), "v": 1})
    assert text.startswith("{") and state_codec.decode(text)["v"] == 1


def test_garbage_raises_instead_of_returning_something():
    with pytest.raises(binascii.Error):
        state_codec.decode(state_codec.PICKLE_PREFIX + "!!!")
