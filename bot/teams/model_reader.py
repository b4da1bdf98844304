"""msrest's ``Deserializer`` for incoming activities, without its detours; same result.

For every attribute of every model msrest copies the attribute's description, runs two key
extractors, dispatches on the type name through several tables and deep-copies generic values
(channel data, card values) value by value: a seventh of a turn. :class:`FastReader` walks a
plan made once per model class instead: plain JSON values are taken as they are (they are fresh
from ``json.loads``), dates and models go the way msrest takes them. Anything it is not sure
about (a number where a string belongs, a list where a model belongs) is left to msrest, so the
outcome, error included, is msrest's. ``tests/unit/test_model_reader.py`` compares the two on
generated activities.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botbuilder.schema
import isodate
from msrest.serialization import Deserializer, Model

_PLAIN = (str, int, float, bool, dict, list)
# How Teams writes a moment (UTC, up to 6 digits of a second); others go msrest's (isodate's) way.
_UTC_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z")


def read_moment(text: str) -> datetime:
    """``Deserializer.deserialize_iso``: the same datetime (and the same tzinfo), sooner for UTC moments.

    Raises:
        DeserializationError: For text msrest refuses.
    """
    match = _UTC_MOMENT.fullmatch(text)
    if match is None:
        return Deserializer.deserialize_iso(text)
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=isodate.UTC)
    except ValueError:  # a day or an hour out of range: msrest's error
        return Deserializer.deserialize_iso(text)


class _NotPlain(Exception):
    """The data holds something the fast walk does not handle exactly like msrest."""


@dataclass(frozen=True)
class _Field:
    attr: str
    key: str
    data_type: str


class FastReader:
    """A drop-in for ``deserializer(target, data)`` of the Bot Framework schema.

    Args:
        deserializer: msrest's deserializer over the schema's classes, for what the fast walk leaves.
    """

    def __init__(self, deserializer: Deserializer):
        self._deserializer = deserializer
        self._dependencies = deserializer.dependencies
        self._plans: dict[type[Model], tuple[tuple[_Field, ...], frozenset[str]]] = {}

    def __call__(self, target: str, data: Any) -> Any:
        model = self._dependencies.get(target)
        if type(data) is dict and isinstance(model, type) and issubclass(model, Model):
            try:
                return self._model(model, data)
            except _NotPlain:
                pass
        return self._deserializer(target, data)

    def _plan(self, model: type[Model]) -> tuple[tuple[_Field, ...], frozenset[str]]:
        plan = self._plans.get(model)
        if plan is None:
            if getattr(model, "_subtype_map", None) or getattr(model, "_validation", None):
                raise _NotPlain(model.__name__)  # polymorphic, read-only or constant fields: msrest's rules
            fields = []
            for attr, description in model._attribute_map.items():
                key, data_type = description["key"], description["type"]
                if not key or "." in key or not isinstance(data_type, str):
                    raise _NotPlain(attr)  # additional properties by name, flattened keys
                fields.append(_Field(attr, key, data_type))
            plan = self._plans[model] = (tuple(fields), frozenset(field.key for field in fields))
        return plan

    def _model(self, model: type[Model], data: dict[str, Any]) -> Model:
        fields, known = self._plan(model)
        values = {}
        for field in fields:
            raw = data.get(field.key)
            values[field.attr] = None if raw is None else self._value(raw, field.data_type)
        instance = model(**values)
        extra = {key: value for key, value in data.items() if key not in known}
        if extra:
            instance.additional_properties = extra
        return instance

    def _value(self, raw: Any, data_type: str) -> Any:
        kind = type(raw)
        if data_type == "str":
            if kind is not str:
                raise _NotPlain(data_type)  # msrest would turn it into a string
            return raw
        if data_type == "object":
            if kind not in _PLAIN:
                raise _NotPlain(data_type)
            return raw  # msrest copies it value by value into an equal structure
        if data_type == "bool":
            if kind is not bool:
                raise _NotPlain(data_type)
            return raw
        if data_type in ("int", "long"):
            if kind is not int:
                raise _NotPlain(data_type)
            return raw
        if data_type == "float":
            if kind is not float:
                raise _NotPlain(data_type)
            return raw
        if data_type == "iso-8601":
            if kind is not str:
                raise _NotPlain(data_type)
            return read_moment(raw)
        if data_type[:1] == "[" and data_type[-1:] == "]":
            if kind is not list:
                raise _NotPlain(data_type)
            inner = data_type[1:-1]
            return [None if item is None else self._value(item, inner) for item in raw]
        if data_type[:1] == "{" and data_type[-1:] == "}":
            if kind is not dict:
                raise _NotPlain(data_type)  # msrest also reads a list of key/value pairs
            inner = data_type[1:-1]
            return {key: None if item is None else self._value(item, inner) for key, item in raw.items()}
        model = self._dependencies.get(data_type)
        if kind is dict and isinstance(model, type) and issubclass(model, Model):
            return self._model(model, raw)
        raise _NotPlain(data_type)


@functools.cache
def schema_reader() -> FastReader:
    """The reader of the Bot Framework schema (activities, conversation references), made once.

    What ``Activity.deserialize`` does, without building the map of every schema class anew
    for each call (the deserializer keeps no state between calls). The map is the schema
    module's classes, as msrest's generated clients build theirs.
    """
    return FastReader(Deserializer({name: value for name, value in vars(botbuilder.schema).items()
                                    if isinstance(value, type)}))
