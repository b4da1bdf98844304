"""Bot state as plain JSON: ``bot_state.data`` becomes a JSON column, pickles are converted once.

Until now a state document was a pickle (``p5:`` and base64) or, from older releases, jsonpickle
JSON; both rebuild any class they name, so write access to the table meant code execution.
From here on documents are plain JSON with an allow-listed set of SDK types
(``storage.state_codec``).

Existing rows: a pickle is read once, here, by an unpickler that refuses every class outside the
codec's allow-list (the SDK's dialog state, prompt options, choices, the Bot Framework schema's
models and enums, dates), so even a crafted row runs no code; it is then written as JSON. A row
that cannot be read that way (jsonpickle JSON, a pickle naming another class, garbage) is
deleted and counted in the log: dialog state is short-lived, and a chat without it simply starts
its dialog afresh.

Revision ID: 0008_storage
Revises: 0007_outbox
Create Date: 2026-12-04
"""

import base64
import io
import json
import logging
import pickle
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_storage"
down_revision = "0007_outbox"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

PICKLE_PREFIX = "p5:"

# Classes a pickled state document of this bot may name: (module, name) pairs, or a module whose
# msrest models and enums (the Bot Framework schema) are all allowed.
_ALLOWED = {
    ("botbuilder.dialogs.dialog_state", "DialogState"),
    ("botbuilder.dialogs.dialog_instance", "DialogInstance"),
    ("botbuilder.dialogs.prompts.prompt_options", "PromptOptions"),
    ("botbuilder.dialogs.choices.choice", "Choice"),
    ("botbuilder.dialogs.choices.list_style", "ListStyle"),
    ("datetime", "datetime"),
    ("datetime", "timezone"),
    ("datetime", "timedelta"),
}
_SCHEMA_MODULES = ("botbuilder.schema._models_py3", "botbuilder.schema._connector_client_enums",
                   "botbuilder.schema.teams._models_py3")


class _AllowListUnpickler(pickle.Unpickler):
    """Rebuilds only the allow-listed classes; any other global (``os.system``...) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module in _SCHEMA_MODULES:
            import enum

            from msrest.serialization import Model

            found = super().find_class(module, name)
            if isinstance(found, type) and issubclass(found, Model | enum.Enum):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in bot state")


def _converted(text: str) -> str | None:
    """The JSON text of the pickled document ``text``, or None when it cannot be read safely."""
    from storage.state_codec import encode

    if not text.startswith(PICKLE_PREFIX):
        return None  # jsonpickle JSON: reading it means rebuilding the classes it names
    try:
        data = base64.b64decode(text[len(PICKLE_PREFIX):], validate=True)
        document = _AllowListUnpickler(io.BytesIO(data)).load()
        return json.dumps(encode(document), ensure_ascii=False)
    except Exception:  # noqa: BLE001 - whatever the row holds, it is not readable state
        return None


def upgrade() -> None:
    connection = op.get_bind()
    state = sa.table("bot_state", sa.column("key", sa.String), sa.column("data", sa.Text))
    converted = dropped = 0
    for key, text in connection.execute(sa.select(state.c.key, state.c.data)).all():
        new = _converted(text) if isinstance(text, str) else None
        if new is None:
            connection.execute(sa.delete(state).where(state.c.key == key))
            dropped += 1
        else:
            connection.execute(sa.update(state).where(state.c.key == key).values(data=new))
            converted += 1
    if converted or dropped:
        log.warning("bot state: %d document(s) converted to JSON, %d unreadable one(s) dropped "
                    "(their chats start their dialog afresh)", converted, dropped)
    if connection.dialect.name == "postgresql":
        op.alter_column("bot_state", "data", type_=sa.JSON(), existing_type=sa.Text(), postgresql_using="data::json")
    else:
        with op.batch_alter_table("bot_state") as batch:
            batch.alter_column("data", type_=sa.JSON(), existing_type=sa.Text())


def downgrade() -> None:
    # The JSON text stays; the previous release reads it as (jsonpickle) JSON, SDK objects as plain dicts.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("bot_state", "data", type_=sa.Text(), existing_type=sa.JSON(), postgresql_using="data::text")
    else:
        with op.batch_alter_table("bot_state") as batch:
            batch.alter_column("data", type_=sa.Text(), existing_type=sa.JSON())
