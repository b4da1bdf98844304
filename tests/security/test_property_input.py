"""Property test: thousands of generated activities at ``/api/messages`` of the real app.

Hypothesis drives a plain function; the app runs in its own thread and event loop
(:class:`AppInThread`) and is reached over real HTTP on an ephemeral loopback port.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import activities as build
from tests.activities import TENANT
from tests.e2e.test_http_sparring import QUESTION
from tests.security.helpers import AppInThread, make_settings
from tests.security.test_hostile_input import TRACEBACK

EXAMPLES = 2000
KEYS = ["anna", "dia", "maarten", "mallory", "", "../dia", "29:dia", "a" * 400]
VERBS = ["review.approve", "review.redirect", "review.myself", "review.decline", "intro.accept", "intro.decline",
         "feedback.close", "", "unknown", None]
COMMANDS = ["withdraw", "review", "mine", "open", "ask", "help", "hello", "cancel", None, "x" * 300]

hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", " ", "vraag", "stop", "hallo", "help", "open vragen", "mijn vragen", "ja", "nee",
                     "Geen voorkeur", "Netwerk & Beleid", QUESTION, "\u202eעברית عربي", "👩🏽‍💻" * 50,
                     "\x00\x1b[2J", "<script>alert(1)</script>", "[x](https://evil.example)", "\ud800",
                     "{{7*7}}", "'; DROP TABLE requests; --", "../../etc/passwd", "woord " * 20000]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=2000),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                        st.floats(allow_nan=False), hostile_text)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                               st.dictionaries(st.text(max_size=12), inner,
                                                                               max_size=4)),
                          max_leaves=12)
request_ids = st.one_of(st.integers(min_value=-3, max_value=4), st.integers(), json_value)


@st.composite
def data_payloads(draw: Any) -> dict[str, Any]:
    payload = {"request_id": draw(request_ids), "version": draw(request_ids)}
    payload.update(draw(st.dictionaries(st.sampled_from(["person", "note", "reason", "rating", "comment",
                                                         "command", "dialog", "text", "theme", "preference",
                                                         "context", "asker_id", "actor"]),
                                        json_value, max_size=4)))
    return payload


@st.composite
def teams_activities(draw: Any, service_url: str) -> dict[str, Any]:
    key = draw(st.sampled_from(KEYS))
    kind = draw(st.sampled_from(["message", "submit", "action", "install", "team", "members", "channel"]))
    if kind == "message":
        activity = build.message(service_url, draw(hostile_text), key=key)
    elif kind == "submit":
        data = draw(data_payloads())
        data["command"] = draw(st.sampled_from(COMMANDS))
        activity = build.card_submit(service_url, data, key=key)
    elif kind == "action":
        activity = build.card_action(service_url, draw(st.sampled_from(VERBS)), draw(data_payloads()), key=key)
    elif kind == "install":
        activity = build.installation_add(service_url, key=key)
    elif kind == "team":
        activity = build.team_install(service_url, key=key)
    elif kind == "members":
        activity = build.team_members_changed(service_url, added=draw(st.lists(st.sampled_from(KEYS), max_size=3)))
    else:
        activity = build.channel_message(service_url, draw(hostile_text), key=key)
    # One in three: spoil some fields, dropping them or giving them hostile values of any JSON type.
    spoil = draw(st.integers(0, 2)) == 0
    fields = st.sampled_from(["type", "from", "conversation", "channelData", "text", "value", "locale", "id",
                              "timestamp", "entities", "attachments", "name", "replyToId", "recipient", "channelId"])
    for field in draw(st.lists(fields, max_size=3, unique=True)) if spoil else []:
        if draw(st.booleans()):
            activity.pop(field, None)
        else:
            activity[field] = draw(json_value)
    return activity


def bodies(service_url: str) -> st.SearchStrategy[tuple[bytes, str]]:
    well_formed = teams_activities(service_url).map(lambda a: (json.dumps(a).encode(), "application/json"))
    malformed = st.one_of(
        st.binary(max_size=300).map(lambda b: (b, "application/json")),
        json_value.map(lambda v: (json.dumps(v).encode(), "application/json")),
        teams_activities(service_url).flatmap(lambda a: st.integers(0, 400).map(
            lambda cut: (json.dumps(a).encode()[:cut], "application/json"))),
        st.tuples(st.binary(max_size=50), st.sampled_from(["text/plain", "", "application/xml"])),
    )
    # About seven in ten are Teams-like activities (some with spoilt fields), the rest broken bodies.
    return st.integers(0, 9).flatmap(lambda n: well_formed if n < 7 else malformed)


def test_generated_activities_never_break_the_bot(tmp_path, clock, connector):
    database = tmp_path / "bot.db"
    app = AppInThread(make_settings(f"sqlite+aiosqlite:///{database}", tmp_path), clock)
    statuses: dict[int, int] = {}
    tried = 0
    with app.running():
        # Seed a real request so generated clicks hit something: three people, one question.
        connector.members["a:personal-dia"] = [build.member("dia", name="Dia Wesseling",
                                                            email="dwesseling@probiblio.nl")]
        connection = http.client.HTTPConnection(app.url.removeprefix("http://"), timeout=60)
        seed = [build.message(connector.url, "hallo", key="dia")]
        seed += [build.message(connector.url, text, key="anna")
                 for text in ("hallo", "vraag", QUESTION, "Netwerk & Beleid", "Geen voorkeur", "nee")]
        seed.append(build.card_submit(connector.url, {"dialog": "question.send", "text": QUESTION, "preference": "any",
                                                      "theme": "Netwerk & Beleid", "context": ""}, key="anna"))
        for activity in seed:
            body = json.dumps(activity).encode()
            connection.request("POST", "/api/messages", body, {"Content-Type": "application/json"})
            assert connection.getresponse().read() == b""

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(bodies(connector.url))
        def post_one(case: tuple[bytes, str]) -> None:
            nonlocal tried
            body, content_type = case
            headers = {"Content-Type": content_type} if content_type else {}
            connection.request("POST", "/api/messages", body, headers)
            response = connection.getresponse()
            answer = response.read().decode("utf-8", "replace")
            tried += 1
            statuses[response.status] = statuses.get(response.status, 0) + 1
            assert response.status != 500 and response.status < 502, (response.status, answer, body[:500])
            assert not TRACEBACK.search(answer), answer

        post_one()
        connection.close()
        app.run(app.components.dispatcher.run_once())
    print(f"\nproperty test: {tried} inputs tried, statuses {dict(sorted(statuses.items()))}")
    assert tried >= EXAMPLES
    for record in connector.sent:
        assert not TRACEBACK.search(json.dumps(record["body"], ensure_ascii=False)), record["body"]
    assert_consistent(database)


def assert_consistent(database: Any) -> None:
    """Integrity, foreign keys, and no half-written rows after the storm."""
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        checks = {
            "request without asker": "SELECT COUNT(*) FROM requests r LEFT JOIN participants p ON p.id = r.asker_id "
                                     "WHERE p.id IS NULL",
            "outbox without recipient": "SELECT COUNT(*) FROM outbox o LEFT JOIN participants p "
                                        "ON p.id = o.recipient_id WHERE p.id IS NULL",
            "event without request": "SELECT COUNT(*) FROM request_events e LEFT JOIN requests r "
                                     "ON r.id = e.request_id WHERE r.id IS NULL",
            "request without its create event": "SELECT COUNT(*) FROM requests r WHERE NOT EXISTS (SELECT 1 FROM "
                                                "request_events e WHERE e.request_id = r.id AND e.action = 'create')",
            "assigned request without assignee": "SELECT COUNT(*) FROM requests WHERE state IN ('assigned', "
                                                 "'accepted') AND assignee_id IS NULL",
            "participant from another tenant": f"SELECT COUNT(*) FROM participants WHERE tenant_id IS NOT NULL "
                                               f"AND lower(tenant_id) != '{TENANT}'",
        }
        for name, query in checks.items():
            assert db.execute(query).fetchone()[0] == 0, name
        from storage import state_codec

        for key, data in db.execute("SELECT key, data FROM bot_state"):
            assert isinstance(state_codec.decode(data), dict), key  # every state document reads back whole
        assert db.execute("SELECT COUNT(*) FROM requests").fetchone()[0] >= 1
