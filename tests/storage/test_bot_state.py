import json

import pytest

from storage.bot_state import SqlStorage, StateConflictError


@pytest.fixture
def storage(engine, sessions):
    return SqlStorage(sessions, dialect=engine.dialect.name)


async def test_write_then_read_round_trips_with_an_e_tag(storage):
    await storage.write({"conv/1": {"count": 1, "nested": {"a": [1, 2]}}})
    read = await storage.read(["conv/1", "missing"])
    assert set(read) == {"conv/1"}
    assert read["conv/1"]["count"] == 1 and read["conv/1"]["nested"] == {"a": [1, 2]}
    assert read["conv/1"]["e_tag"]


async def test_stale_write_is_refused_and_changes_nothing(storage):
    await storage.write({"k": {"v": "first"}})
    turn_a = await storage.read(["k"])
    turn_b = await storage.read(["k"])
    turn_a["k"]["v"] = "a"
    await storage.write({"k": turn_a["k"]})
    turn_b["k"]["v"] = "b"
    with pytest.raises(StateConflictError):
        await storage.write({"k": turn_b["k"], "other": {"v": 1}})
    after = await storage.read(["k", "other"])
    assert after["k"]["v"] == "a"
    assert "other" not in after  # the whole write was refused


async def test_the_same_turn_can_save_twice(storage):
    await storage.write({"k": {"v": 1}})
    state = (await storage.read(["k"]))["k"]
    state["v"] = 2
    await storage.write({"k": state})
    state["v"] = 3
    await storage.write({"k": state})
    assert (await storage.read(["k"]))["k"]["v"] == 3


async def test_star_e_tag_overwrites_and_delete_removes(storage):
    await storage.write({"k": {"v": 1}})
    await storage.write({"k": {"v": 2, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 2
    await storage.delete(["k", "nothing"])
    assert await storage.read(["k"]) == {}


async def test_concurrent_first_writes_let_one_win(storage):
    import asyncio

    results = await asyncio.gather(
        storage.write({"new": {"v": "x", "e_tag": None}}),
        storage.write({"new": {"v": "y", "e_tag": None}}),
        return_exceptions=True,
    )
    assert sum(isinstance(r, StateConflictError) for r in results) <= 1
    assert (await storage.read(["new"]))["new"]["v"] in ("x", "y")


async def test_dialog_state_objects_survive(storage):
    from botbuilder.dialogs import DialogInstance, DialogState

    state = DialogState([DialogInstance(id="vraag", state={"stepIndex": 1, "values": {"tekst": "Hoe?"}})])
    await storage.write({"conv/dialog": {"DialogState": state}})
    loaded = (await storage.read(["conv/dialog"]))["conv/dialog"]["DialogState"]
    assert loaded.dialog_stack[0].id == "vraag"
    assert loaded.dialog_stack[0].state["values"] == {"tekst": "Hoe?"}


async def _insert_raw(engine, key: str, data: str) -> None:
    """A row as someone with write access to the table could put it there (``data``: JSON text)."""
    from sqlalchemy import text

    cast = "CAST(:d AS JSON)" if engine.dialect.name == "postgresql" else ":d"
    async with engine.begin() as connection:
        await connection.execute(text(f"INSERT INTO bot_state (key, data, e_tag, updated_at) "
                                      f"VALUES (:k, {cast}, 'tag1', CURRENT_TIMESTAMP)"), {"k": key, "d": data})


class _RunsCode:
    """Unpickling this creates ``path``: what a crafted row would do with os.system."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        import os

        return (os.mkdir, (self.path,))


async def test_documents_are_plain_json_that_sql_can_read(storage, engine):
    from botbuilder.core import MessageFactory
    from botbuilder.dialogs import DialogInstance, DialogState
    from botbuilder.dialogs.prompts import PromptOptions
    from sqlalchemy import text

    prompt = PromptOptions(prompt=MessageFactory.text("Met wie wil je sparren?"))
    state = DialogState([DialogInstance(id="vraag", state={"options": prompt, "values": {"tekst": "Hoe?"}})])
    await storage.write({"conv/dialog": {"DialogState": state}})
    if engine.dialect.name == "postgresql":
        query = ("SELECT data->'DialogState'->'value'->'stack'->0->'value'->>'id', "
                 "data->'DialogState'->'value'->'stack'->0->'value'->'state'->'options'->'value'->'prompt'"
                 "->'value'->>'text' FROM bot_state WHERE key = 'conv/dialog'")
    else:
        query = ("SELECT json_extract(data, '$.DialogState.value.stack[0].value.id'), "
                 "json_extract(data, '$.DialogState.value.stack[0].value.state.options.value.prompt.value.text') "
                 "FROM bot_state WHERE key = 'conv/dialog'")
    async with engine.connect() as connection:
        row = (await connection.execute(text(query))).one()
    assert tuple(row) == ("vraag", "Met wie wil je sparren?")
    loaded = (await storage.read(["conv/dialog"]))["conv/dialog"]["DialogState"].dialog_stack[0]
    assert loaded.state["options"].prompt.text == "Met wie wil je sparren?"


async def test_a_row_crafted_to_run_code_runs_none_and_is_read_as_absent(storage, engine, tmp_path, caplog):
    """Write access to bot_state must not mean code execution: pickles, jsonpickle, unknown types."""
    import base64
    import json
    import pickle

    marker = tmp_path / "pwned"
    pickled = "p5:" + base64.b64encode(pickle.dumps({"x": _RunsCode(str(marker))}, protocol=5)).decode()
    jsonpickled = {"py/reduce": [{"py/function": "os.mkdir"}, {"py/tuple": [str(marker)]}]}
    tagged = {"$type": "os.mkdir", "value": [str(marker)]}
    await _insert_raw(engine, "pickle", json.dumps(pickled))
    await _insert_raw(engine, "jsonpickle", json.dumps({"x": jsonpickled}))
    await _insert_raw(engine, "tagged", json.dumps({"x": tagged}))
    with caplog.at_level("WARNING"):
        read = await storage.read(["pickle", "jsonpickle", "tagged"])
    assert not marker.exists()
    assert set(read) == {"jsonpickle"}  # a plain dict of strings, nothing rebuilt from it
    assert read["jsonpickle"]["x"] == jsonpickled
    assert caplog.text.count("could not be read") == 2


async def test_a_document_that_cannot_be_rebuilt_is_read_as_absent_and_overwritten(storage, engine, caplog):
    await _insert_raw(engine, "broken", '{"DialogState": {"$type": "DialogState", "value": {"stack": 3}}}')
    with caplog.at_level("WARNING"):
        assert await storage.read(["broken"]) == {}
    assert "could not be read" in caplog.text
    await storage.write({"broken": {"v": "fresh"}})  # the SDK saves an absent document without e_tag
    assert (await storage.read(["broken"]))["broken"]["v"] == "fresh"


async def test_a_row_that_is_not_json_at_all_is_read_as_absent(storage, engine, caplog):
    """SQLite does not check JSON; a hand-written row must not fail every turn of its chat."""
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses text that is not JSON in a json column")
    await _insert_raw(engine, "garbage", "p5:bm90IGEgcGlja2xl")
    with caplog.at_level("WARNING"):
        assert await storage.read(["garbage"]) == {}


async def test_an_object_the_codec_does_not_know_is_refused_on_write(storage):
    import threading

    with pytest.raises(TypeError):
        await storage.write({"k": {"lock": threading.Lock()}})
    assert await storage.read(["k"]) == {}


async def test_state_is_written_when_it_changed_and_only_then(storage, engine):
    from botbuilder.core import ConversationState, TurnContext
    from botbuilder.core.adapters import TestAdapter
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
    from sqlalchemy import text

    from bot.teams.sdk_fixes import let_the_store_skip_unchanged_state

    let_the_store_skip_unchanged_state()
    state = ConversationState(storage)
    counter = state.create_property("counter")

    def turn() -> TurnContext:
        return TurnContext(TestAdapter(), Activity(type="message", channel_id="msteams", text="hoi",
                                                   from_property=ChannelAccount(id="29:anna"),
                                                   conversation=ConversationAccount(id="a:1")))

    async def stored() -> tuple[str, str]:
        async with engine.connect() as connection:
            row = (await connection.execute(text("SELECT e_tag, data FROM bot_state"))).one()
        return row.e_tag, row.data

    async def run(change: bool, nested: bool = False) -> None:
        context = turn()
        value = await counter.get(context, lambda: {"n": 0, "deep": {"list": [1]}})
        if change:
            value["n"] += 1
        await state.save_changes(context)
        if nested:
            value["deep"]["list"].append(2)  # a change deep inside, after a first save of this turn
        await state.save_changes(context)

    await run(change=True)  # a new conversation: written
    first = await stored()
    await run(change=False)  # read back unchanged: not written, the row keeps its e_tag
    assert await stored() == first
    await run(change=True, nested=True)  # both saves write: each had something new
    second = await stored()
    assert second[0] != first[0]
    data = second[1] if isinstance(second[1], dict) else json.loads(second[1])  # PostgreSQL: jsonb
    assert data["counter"] == {"n": 2, "deep": {"list": [1, 2]}}
    await run(change=False)
    assert await stored() == second


async def test_an_unchanged_document_is_not_refused_when_another_turn_wrote_meanwhile(storage):
    # As the SDK's own check did: a turn that changed nothing writes nothing, so it cannot conflict.
    await storage.write({"k": {"v": 1}})
    turn_a = await storage.read(["k"])
    turn_b = await storage.read(["k"])
    turn_a["k"]["v"] = 2
    await storage.write({"k": turn_a["k"]})
    await storage.write({"k": turn_b["k"]})  # unchanged: skipped, no StateConflictError
    turn_b["k"]["v"] = 3
    with pytest.raises(StateConflictError):
        await storage.write({"k": turn_b["k"]})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_the_migration_converts_pickled_rows_and_drops_crafted_ones_without_running_them(tmp_path, caplog):
    """0008_storage reads each pickle once, allow-listed classes only; what it cannot read goes, counted."""
    import base64
    import json
    import pickle

    from botbuilder.core import MessageFactory
    from botbuilder.dialogs import DialogInstance, DialogState
    from botbuilder.dialogs.prompts import PromptOptions
    from sqlalchemy import text

    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    marker = tmp_path / "pwned"
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(engine, "0007_outbox")
        dialog = {"DialogState": DialogState([DialogInstance(id="vraag", state={
            "options": PromptOptions(prompt=MessageFactory.text("Waarover gaat je vraag?")), "stepIndex": 1})])}
        rows = {"good": "p5:" + base64.b64encode(pickle.dumps(dialog, protocol=5)).decode(),
                "crafted": "p5:" + base64.b64encode(pickle.dumps({"x": _RunsCode(str(marker))}, protocol=5)).decode(),
                "jsonpickle": json.dumps({"py/reduce": [{"py/function": "os.mkdir"}, {"py/tuple": [str(marker)]}]})}
        async with engine.begin() as connection:
            for key, data in rows.items():
                await connection.execute(text("INSERT INTO bot_state (key, data, e_tag, updated_at) "
                                              "VALUES (:k, :d, 'tag1', CURRENT_TIMESTAMP)"), {"k": key, "d": data})
        with caplog.at_level("WARNING"):
            await upgrade(engine)
        assert not marker.exists()
        assert "1 document(s) converted to JSON, 2 unreadable one(s) dropped" in caplog.text
        async with engine.connect() as connection:
            found = (await connection.execute(text(
                "SELECT key, json_extract(data, '$.DialogState.value.stack[0].value.id') FROM bot_state"))).all()
        assert [tuple(row) for row in found] == [("good", "vraag")]
        storage = SqlStorage(create_sessionmaker(engine), dialect="sqlite")
        loaded = (await storage.read(["good"]))["good"]["DialogState"].dialog_stack[0]
        assert loaded.state["options"].prompt.text == "Waarover gaat je vraag?" and loaded.state["stepIndex"] == 1
    finally:
        await engine.dispose()


async def test_state_read_ahead_is_taken_once_by_the_same_turn_only(storage, sessions):
    import asyncio
    import contextvars

    from storage.unit_of_work import SqlUnitOfWork

    await storage.write({"k": {"v": 1}})
    async with SqlUnitOfWork(sessions, read_only=True) as uow:
        await storage.read_ahead(uow.statements, ["k", "none"])
    await storage.write({"k": {"v": 2, "e_tag": "*"}})  # written after the turn read it
    # Another turn (aiohttp runs each request in a task of its own, started from the server's context).
    assert (await asyncio.create_task(storage.read(["k"]), context=contextvars.Context()))["k"]["v"] == 2
    taken = await storage.read(["k", "none"])
    assert taken["k"]["v"] == 1 and "none" not in taken  # this turn takes what it read, e_tag included
    assert (await storage.read(["k"]))["k"]["v"] == 2  # once: a second read goes to the store
    async with SqlUnitOfWork(sessions, read_only=True) as uow:
        await storage.read_ahead(uow.statements, ["k"])
    storage.drop_read_ahead()
    assert (await storage.read(["k"]))["k"]["v"] == 2
