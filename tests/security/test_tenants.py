"""With ALLOWED_TENANTS set, another tenant's activities are refused before anything is stored."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests import activities as build
from tests.activities import TENANT
from tests.security.helpers import ALL_DATA_TABLES, app_client, count, make_settings

FOREIGN = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


@pytest.fixture
async def tenant_client(database_url, tmp_path, clock):  # type: ignore[no-untyped-def]
    settings = make_settings(database_url, tmp_path, ALLOWED_TENANTS=f" {TENANT.upper()} , another-tenant")
    async with app_client(settings, clock) as client:
        yield client


def _from_tenant(activity: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    if tenant is None:
        activity.pop("channelData", None)
        activity["conversation"].pop("tenantId", None)
    else:
        activity["channelData"] = {**activity.get("channelData", {}), "tenant": {"id": tenant}}
        activity["conversation"]["tenantId"] = tenant
    return activity


def _foreign_activities(url: str, tenant: str | None) -> list[dict[str, Any]]:
    return [_from_tenant(a, tenant) for a in (
        build.message(url, "hallo", key="mallory"),
        build.message(url, "vraag Hoe krijg ik jullie kostenoverzichten van alle scholen te zien?", key="mallory"),
        build.card_submit(url, {"command": "withdraw", "request_id": 1}, key="mallory"),
        build.card_action(url, "review.approve", {"request_id": 1, "version": 1}, key="mallory"),
        build.installation_add(url, key="mallory"),
        build.team_install(url, key="mallory"),
        build.team_members_changed(url, added=["mallory", "trudy"]),
    )]


@pytest.mark.parametrize("tenant", [FOREIGN, "", None, TENANT + "x"], ids=["foreign", "empty", "missing", "suffix"])
async def test_other_tenants_are_refused_before_anything_is_stored(tenant_client, connector, caplog, tenant):
    caplog.set_level(logging.WARNING, logger="bot.teams.activity_handler")
    connector.default_members = [build.member("mallory", name="Mallory", email="mallory@evil.example")]
    statuses = []
    for activity in _foreign_activities(connector.url, tenant):
        response = await tenant_client.post("/api/messages", json=activity)
        statuses.append(response.status)
        assert response.status < 500 or (activity["type"] == "invoke" and response.status == 501)
    for table in ALL_DATA_TABLES:
        assert await count(tenant_client, table) == 0, table
    assert connector.sent == []  # not even a roster look-up or a reply
    refusals = [r for r in caplog.records if "not in ALLOWED_TENANTS" in r.getMessage()]
    assert len(refusals) == len(statuses) and all(r.levelno == logging.WARNING for r in refusals)
    # The log names the tenant, never the message text.
    assert "kostenoverzichten" not in caplog.text


async def test_the_allowed_tenant_is_served_whatever_its_case(tenant_client, connector):
    response = await tenant_client.post("/api/messages", json=build.message(connector.url, "hallo", key="anna"))
    assert response.status == 201
    assert await count(tenant_client, "participants") == 1
    assert len(connector.activities("a:personal-anna")) == 2  # the library question (first contact) and the welcome
