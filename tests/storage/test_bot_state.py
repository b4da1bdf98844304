import pytest

from storage.bot_state import SqlStorage, StateConflictError


@pytest.fixture
def storage(engine):
    return SqlStorage(engine)


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
