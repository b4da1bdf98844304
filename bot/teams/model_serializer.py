"""msrest's ``Serializer.body`` for outgoing activities, without its detours; same output.

For each reply msrest first runs the whole activity through its *deserializer* (to turn dicts
into models), then serialises it attribute by attribute, raising and catching a ``ValueError``
for every attribute that is None (most of an activity's 45), and copies card content value by
value. That was a tenth of a turn. :class:`FastBody` walks a tree of models directly: None is
skipped, plain JSON (card content) and plain text, numbers and booleans (which msrest returns
unchanged) are kept as they are, and every other value goes through msrest's own
``serialize_data``, so values come out exactly as before. Anything it is not sure
about (a dict where a model belongs, validation switched on) goes msrest's whole way.
``tests/unit/test_model_serializer.py`` compares the two on generated activities.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msrest.serialization import Model, Serializer

# msrest's basic types: a value of exactly the named type comes back from ``serialize_basic``
# unchanged (``str(s)``, ``int(i)``, ...), so it can skip the call; enums and subclasses cannot.
_BASIC = {"str": str, "int": int, "bool": bool, "float": float}


class _NotPlain(Exception):
    """The tree holds something the fast walk does not handle exactly like msrest."""


class FastBody:
    """A drop-in for ``serializer.body`` (``body(data, data_type)``) of a connector client."""

    def __init__(self, serializer: Serializer, body: Callable[..., Any]):
        self._serializer = serializer
        self._body = body
        self._models = frozenset(model for model in serializer.dependencies.values() if isinstance(model, type))
        # Per model class its fields, or None for a class msrest's own rules must serialise.
        self._fields: dict[type, tuple[tuple[str, str, str | None], ...] | None] = {}

    def __call__(self, data: Any, data_type: str, **kwargs: Any) -> Any:
        if kwargs or self._serializer.client_side_validation or not isinstance(data, Model):
            return self._body(data, data_type, **kwargs)
        if self._serializer.dependencies.get(data_type) is not type(data) or data.is_xml_model():
            return self._body(data, data_type, **kwargs)
        try:
            return self._model(data)
        except _NotPlain:
            return self._body(data, data_type, **kwargs)

    def _model(self, model: Model) -> dict[str, Any]:
        serialized: dict[str, Any] = {}
        kind = type(model)
        if kind not in self._fields:
            self._fields[kind] = _fields_of(model)
        fields = self._fields[kind]
        if fields is None:
            raise _NotPlain(kind.__name__)
        for attr, key, data_type in fields:
            value = getattr(model, attr)
            if value is None:
                continue
            if data_type is None:  # additional_properties: merged into the model's own keys
                serialized.update(value)
            else:
                serialized[key] = self._value(value, data_type)
        return serialized

    def _value(self, value: Any, data_type: str) -> Any:
        if _BASIC.get(data_type) is type(value):
            return value
        model_type = self._serializer.dependencies.get(data_type)
        if isinstance(model_type, type) and issubclass(model_type, Model):
            if type(value) is not model_type:
                raise _NotPlain(data_type)  # msrest would turn a dict (or a subclass) into this model
            return self._model(value)
        if data_type == "object":
            if _plain_json(value):
                return value  # msrest would copy it value by value into an equal structure
            if isinstance(value, Model) and type(value) in self._models:
                return self._model(value)  # a card of the schema (a hero card): msrest serialises it as a model
        if data_type[:1] == "[" and data_type[-1:] == "]" and isinstance(value, list):
            return [None if item is None else self._value(item, data_type[1:-1]) for item in value]
        if data_type[:1] == "{" and data_type[-1:] == "}" and isinstance(value, dict):
            return {self._serializer.serialize_unicode(k): None if item is None else self._value(item, data_type[1:-1])
                    for k, item in value.items()}
        return self._serializer.serialize_data(value, data_type)


def _fields_of(model: Model) -> tuple[tuple[str, str, str | None], ...] | None:
    """A model class's ``(attribute, key, type)`` in msrest's order, read once per class.

    None for a class with a flattened key, a read-only field or a type not given by name: msrest's
    own rules apply there.
    """
    fields: list[tuple[str, str, str | None]] = []
    for attr, description in model._attribute_map.items():
        key, data_type = description["key"], description["type"]
        if not isinstance(data_type, str) or "." in key or model._validation.get(attr, {}).get("readonly"):
            return None
        fields.append((attr, key, None if attr == "additional_properties" and key == "" else data_type))
    return tuple(fields)


def _plain_json(value: Any) -> bool:
    """True for None and for dicts, lists, strings, numbers and booleans all the way down."""
    if value is None or type(value) in (str, bool, int, float):
        return True
    if type(value) is dict:
        return all(type(key) is str and _plain_json(item) for key, item in value.items())
    if type(value) is list:
        return all(_plain_json(item) for item in value)
    return False
