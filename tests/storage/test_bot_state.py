import pytest

from storage.bot_state import SqlStorage, StateConflictError


@pytest.fixture
def storage(engine, autocommit):
    return SqlStorage(engine, autocommit)


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


async def _stored_text(storage, key):
    from sqlalchemy import text

    async with storage._engine.connect() as connection:
        return (await connection.execute(text("SELECT data FROM bot_state WHERE key = :k"), {"k": key})).scalar_one()


async def test_documents_are_stored_as_pickles_and_older_jsonpickle_rows_still_read(storage):
    import jsonpickle
    from botbuilder.dialogs import DialogInstance, DialogState
    from sqlalchemy import text

    from storage.state_codec import PICKLE_PREFIX

    await storage.write({"new": {"v": 1}})
    assert (await _stored_text(storage, "new")).startswith(PICKLE_PREFIX)
    # A row as the previous release wrote it: jsonpickle JSON.
    old = jsonpickle.encode({"DialogState": DialogState([DialogInstance(id="vraag", state={"stepIndex": 2})])},
                            make_refs=False)
    async with storage._engine.begin() as connection:
        await connection.execute(text("INSERT INTO bot_state (key, data, e_tag, updated_at) "
                                      "VALUES ('old', :d, 'tag1', CURRENT_TIMESTAMP)"), {"d": old})
    loaded = (await storage.read(["old"]))["old"]
    assert loaded["DialogState"].dialog_stack[0].state == {"stepIndex": 2} and loaded["e_tag"] == "tag1"
    await storage.write({"old": loaded})  # the next save rewrites it as a pickle
    assert (await _stored_text(storage, "old")).startswith(PICKLE_PREFIX)


async def test_a_document_that_cannot_be_rebuilt_is_read_as_absent_and_overwritten(storage, caplog):
    from sqlalchemy import text

    from storage.state_codec import PICKLE_PREFIX

    async with storage._engine.begin() as connection:
        await connection.execute(text("INSERT INTO bot_state (key, data, e_tag, updated_at) VALUES "
                                      "('broken', :d, 'tag1', CURRENT_TIMESTAMP)"),
                                 {"d": PICKLE_PREFIX + "bm90IGEgcGlja2xl"})
    with caplog.at_level("WARNING"):
        assert await storage.read(["broken"]) == {}
    assert "could not be read" in caplog.text
    await storage.write({"broken": {"v": "fresh"}})  # the SDK saves an absent document without e_tag
    assert (await storage.read(["broken"]))["broken"]["v"] == "fresh"


async def test_state_is_written_when_it_changed_and_only_then(storage, monkeypatch):
    from botbuilder.core import ConversationState, TurnContext
    from botbuilder.core.adapters import TestAdapter
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    from bot.sdk_fixes import speed_up_state_hash
    from storage import state_codec

    speed_up_state_hash()
    writes: list[dict] = []
    real_write = storage.write

    async def counting_write(changes):  # type: ignore[no-untyped-def]
        writes.append({key: dict(value) for key, value in changes.items()})
        await real_write(changes)

    monkeypatch.setattr(storage, "write", counting_write)
    state = ConversationState(storage)
    counter = state.create_property("counter")

    def turn() -> TurnContext:
        return TurnContext(TestAdapter(), Activity(type="message", channel_id="msteams", text="hoi",
                                                   from_property=ChannelAccount(id="29:anna"),
                                                   conversation=ConversationAccount(id="a:1")))

    async def run(change: bool) -> None:
        context = turn()
        value = await counter.get(context, lambda: {"n": 0})
        if change:
            value["n"] += 1
        await state.save_changes(context)
        await state.save_changes(context)  # nothing new since the first save: no second write

    await run(change=True)  # a new conversation: written
    pickles: list[object] = []
    real_pickled = state_codec.pickled
    monkeypatch.setattr("bot.sdk_fixes.pickled", lambda obj: pickles.append(obj) or real_pickled(obj))
    await run(change=False)  # read back unchanged: not written, and fingerprinted once (at the save)
    assert len(pickles) == 2  # the two saves; loading took the stored pickle
    await run(change=True)
    assert [w["msteams/conversations/a:1"]["counter"]["n"] for w in writes] == [1, 2]
