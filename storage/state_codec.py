"""How a bot state document becomes plain JSON in ``bot_state.data``, and back.

Dialog state is a tree of SDK objects (the dialog stack, prompt options with their activities).
They are stored as plain JSON that SQL can read (``json_extract`` on SQLite, ``->>`` on
PostgreSQL): JSON values as they are, and each SDK object as ``{"$type": name, "value": ...}``,
where ``name`` is one of the few types in :data:`_TYPES`. Reading rebuilds only those types,
through their constructors or msrest's public ``deserialize``; a document naming any other type
is refused. Unlike pickle or jsonpickle, write access to the table never means code execution.

A plain dict that happens to have a ``"$type"`` key is kept apart from a tagged object by
being stored as ``{"$type": "dict", "value": {...}}``.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.dialogs.choices import Choice, ListStyle
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity, Attachment, CardAction, HeroCard, SuggestedActions
from msrest.serialization import Model

TYPE = "$type"


class StateFormatError(ValueError):
    """A document that is not state this codec wrote: unknown types, wrong shapes, not JSON."""


def _plain_object(cls: type, fields: tuple[str, ...]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Encoder and decoder of a plain SDK class rebuilt by keyword arguments of its constructor."""

    def to_json(value: Any) -> Any:
        return {field: encode_value(getattr(value, field, None)) for field in fields}

    def from_json(data: Any) -> Any:
        if not isinstance(data, dict) or set(data) - set(fields):
            raise StateFormatError(f"{cls.__name__}: unexpected fields")
        return cls(**{field: decode_value(data[field]) for field in fields if field in data})

    return to_json, from_json


def _model(cls: type[Model]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Encoder and decoder of an msrest model, through its public (de)serialisation."""

    def from_json(data: Any) -> Any:
        if not isinstance(data, dict):
            raise StateFormatError(f"{cls.__name__}: not an object")
        return cls.deserialize(data)

    return (lambda value: value.serialize(keep_readonly=True)), from_json


# An attachment's content (an Adaptive Card: the bulk of a prompt) is JSON already, or one of the
# allowed SDK objects. msrest's public (de)serialisation walks it value by value as "object", which
# made the state of a confirmation prompt cost half a millisecond to write and as much to fingerprint.
# The codec keeps the content itself (as encode_value/decode_value do any value) and hands msrest
# the rest of the model, so the stored JSON is the same and only the walk over the card is saved.
CONTENT = "content"


def _without_content(attachment: Attachment) -> Attachment:
    shell = copy.copy(attachment)  # a shallow copy: the caller's attachment keeps its content
    shell.content = None
    return shell


def _attachment_to_json(value: Attachment) -> Any:
    data = _without_content(value).serialize(keep_readonly=True)
    if value.content is not None:
        data[CONTENT] = encode_value(value.content)
    return data


def _attachment_from(data: Any) -> Attachment:
    if not isinstance(data, dict):
        raise StateFormatError("Attachment: not an object")
    attachment = Attachment.deserialize({key: item for key, item in data.items() if key != CONTENT})
    attachment.content = decode_value(data.get(CONTENT))
    return attachment


def _activity_to_json(value: Activity) -> Any:
    attachments = value.attachments
    if not isinstance(attachments, list) or not all(isinstance(a, Attachment) for a in attachments):
        return value.serialize(keep_readonly=True)  # nothing to keep apart: msrest's whole way
    shell = copy.copy(value)
    shell.attachments = [_without_content(attachment) for attachment in attachments]
    data = shell.serialize(keep_readonly=True)
    for item, attachment in zip(data.get("attachments", ()), attachments, strict=True):
        if attachment.content is not None:
            item[CONTENT] = encode_value(attachment.content)
    return data


def _activity_from(data: Any) -> Activity:
    if not isinstance(data, dict):
        raise StateFormatError("Activity: not an object")
    items = data.get("attachments")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return Activity.deserialize(data)  # msrest's whole way, its own checks included
    shell = dict(data, attachments=[{key: v for key, v in item.items() if key != CONTENT} for item in items])
    activity = Activity.deserialize(shell)
    if len(activity.attachments or ()) != len(items):
        raise StateFormatError("Activity: attachments")
    for attachment, item in zip(activity.attachments or (), items, strict=True):
        attachment.content = decode_value(item.get(CONTENT))
    return activity


def _dialog_state_from(data: Any) -> DialogState:
    if not isinstance(data, dict) or not isinstance(data.get("stack"), list):
        raise StateFormatError("DialogState: no stack")
    return DialogState(stack=[_expect(decode_value(item), DialogInstance) for item in data["stack"]])


def _dialog_instance_from(data: Any) -> DialogInstance:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise StateFormatError("DialogInstance: no id")
    return DialogInstance(id=data["id"], state=_expect(decode_value(data.get("state") or {}), dict))


def _enum(cls: type[enum.Enum]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def from_json(data: Any) -> Any:
        try:
            return cls(data)
        except ValueError as error:
            raise StateFormatError(f"{cls.__name__}: unknown value") from error

    return (lambda value: value.value), from_json


def _datetime_from(data: Any) -> datetime:
    if not isinstance(data, str):
        raise StateFormatError("datetime: not a string")
    return datetime.fromisoformat(data)


# The only types a document may hold besides JSON values: what the SDK's dialogs keep in state.
# Models nested in an activity (accounts, attachments, cards) travel inside its serialised form.
_TYPES: dict[str, tuple[type, Callable[[Any], Any], Callable[[Any], Any]]] = {
    "DialogState": (DialogState, lambda v: {"stack": [encode_value(i) for i in v.dialog_stack]}, _dialog_state_from),
    "DialogInstance": (DialogInstance, lambda v: {"id": v.id, "state": encode_value(v.state)}, _dialog_instance_from),
    "PromptOptions": (PromptOptions, *_plain_object(PromptOptions, (
        "prompt", "retry_prompt", "choices", "style", "validations", "number_of_attempts"))),
    "Choice": (Choice, *_plain_object(Choice, ("value", "action", "synonyms"))),
    "ListStyle": (ListStyle, *_enum(ListStyle)),
    "Activity": (Activity, _activity_to_json, _activity_from),
    "Attachment": (Attachment, _attachment_to_json, _attachment_from),
    "CardAction": (CardAction, *_model(CardAction)),
    "HeroCard": (HeroCard, *_model(HeroCard)),
    "SuggestedActions": (SuggestedActions, *_model(SuggestedActions)),
    "datetime": (datetime, lambda v: v.isoformat(), _datetime_from),
}
_NAMES = {cls: name for name, (cls, _, _) in _TYPES.items()}


def _expect(value: Any, cls: type) -> Any:
    if not isinstance(value, cls):
        raise StateFormatError(f"expected {cls.__name__}, found {type(value).__name__}")
    return value


def encode_value(value: Any) -> Any:
    """``value`` as JSON-ready data: JSON values as they are, allowed SDK objects tagged.

    Raises:
        TypeError: For an object of a type this codec does not know (it could not be read back).
    """
    if value is None or isinstance(value, str | bool | int | float) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"state keys must be strings, not {type(key).__name__}")
            items[key] = encode_value(item)
        return {TYPE: "dict", "value": items} if TYPE in items else items
    name = _NAMES.get(type(value))
    if name is None:
        raise TypeError(f"cannot store {type(value).__name__} in bot state")
    return {TYPE: name, "value": _TYPES[name][1](value)}


def decode_value(data: Any) -> Any:
    """The value ``data`` (from :func:`encode_value`) stands for; only allowed types are rebuilt.

    Raises:
        StateFormatError: For a type outside the allow-list or a malformed object.
    """
    if isinstance(data, list):
        return [decode_value(item) for item in data]
    if not isinstance(data, dict):
        return data
    if TYPE not in data:
        return {key: decode_value(item) for key, item in data.items()}
    name = data[TYPE]
    if set(data) != {TYPE, "value"}:
        raise StateFormatError("a tagged object has fields besides $type and value")
    if name == "dict":
        return {key: decode_value(item) for key, item in _expect(data["value"], dict).items()}
    entry = _TYPES.get(name) if isinstance(name, str) else None
    if entry is None:
        raise StateFormatError(f"type {name!r} is not allowed in bot state")
    try:
        return entry[2](data["value"])
    except StateFormatError:
        raise
    except Exception as error:  # a constructor or msrest refusing what it was given
        raise StateFormatError(f"{name}: {type(error).__name__}") from error


def _without_e_tag(document: Any) -> Any:
    # The e_tag changes on every write and is kept in its own column, not in the document.
    if isinstance(document, dict):
        return {key: value for key, value in document.items() if key != "e_tag"}
    return document


def encode(document: Any) -> Any:
    """``document`` without its ``e_tag``, as JSON-ready data for the ``bot_state.data`` column.

    Raises:
        TypeError: For an object this codec cannot store.
    """
    return encode_value(_without_e_tag(document))


def parse(data: Any) -> Any:
    """The JSON-ready data of a stored document (``data`` itself, or its JSON text parsed).

    Raises:
        StateFormatError: For text that is not JSON.
    """
    if isinstance(data, str | bytes):
        try:
            return json.loads(data)
        except ValueError as error:
            raise StateFormatError("not JSON") from error
    return data


def decode(data: Any) -> Any:
    """The document stored as ``data`` (JSON-ready data, or its JSON text).

    Raises:
        StateFormatError: For anything :func:`encode` did not write.
    """
    data = parse(data)
    if not isinstance(data, dict):
        raise StateFormatError("a state document is a JSON object")  # what BotState stores
    return decode_value(data)

