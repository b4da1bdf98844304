"""The only place that calls ``TeamsInfo``: who a user is, and a team's roster.

Everything here maps Teams' account objects onto the domain's ``ParticipantSeen``.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount

from bot.domain.models import ParticipantSeen

log = logging.getLogger(__name__)
ROSTER_PAGE_SIZE = 500


def tenant_of(activity: Any) -> str | None:
    """The tenant id of an activity.

    Under ``CloudAdapter`` ``conversation.tenant_id`` stays empty (the SDK maps the key
    ``tenantID``, Teams sends ``tenantId``), so read ``channelData.tenant.id`` first.
    """
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else {}
    value = tenant.get("id") or getattr(activity.conversation, "tenant_id", None)
    return str(value).lower() if value else None


def team_id_of(activity: Any) -> str | None:
    """The team's id when the activity comes from a team channel."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = channel_data.get("team")
    return team.get("id") if isinstance(team, dict) and team.get("id") else None


def seen_from_account(
    account: Any, *, tenant_id: str | None, locale: str | None = None, service_url: str | None = None,
    reported_by_teams: bool = False,
) -> ParticipantSeen:
    """Map a ``ChannelAccount``/``TeamsChannelAccount`` to what the domain records.

    Args:
        account: The account.
        tenant_id: The activity's tenant, when the account names none.
        locale: The activity's locale.
        service_url: The activity's service URL.
        reported_by_teams: True only for what ``TeamsInfo`` answered (``get_member``, the
            roster). E-mail and UPN are read only then: an account copied from an activity's
            JSON could carry any address, and an address links a directory person.
    """
    email = getattr(account, "email", None) if reported_by_teams else None
    upn = getattr(account, "user_principal_name", None) if reported_by_teams else None
    email = email or upn
    return ParticipantSeen(
        teams_id=account.id,
        tenant_id=getattr(account, "tenant_id", None) or tenant_id,
        aad_object_id=getattr(account, "aad_object_id", None),
        name=getattr(account, "name", None),
        email=email if email and "@" in email else None,
        locale=locale,
        service_url=service_url,
        upn=upn if upn and "@" in upn else None,
    )


async def fetch_member(turn_context: TurnContext, account: ChannelAccount) -> ParticipantSeen | None:
    """Ask Teams for a user's name and e-mail (activities carry only ids).

    Returns ``None`` when Teams cannot tell (e.g. outside Teams); the caller keeps what the
    activity had.
    """
    try:
        member = await TeamsInfo.get_member(turn_context, account.id)
    except Exception as error:  # the connector may refuse or not know the user; not fatal
        log.info("could not fetch member details (%s)", type(error).__name__)
        return None
    activity = turn_context.activity
    return seen_from_account(member, tenant_id=tenant_of(activity), locale=activity.locale,
                             service_url=activity.service_url, reported_by_teams=True)


async def read_team_roster(turn_context: TurnContext, team_id: str) -> list[ParticipantSeen]:
    """Every member of a team, page by page."""
    tenant_id = tenant_of(turn_context.activity)
    members: list[ParticipantSeen] = []
    token: str | None = None
    while True:
        page = await TeamsInfo.get_paged_team_members(turn_context, team_id, token, ROSTER_PAGE_SIZE)
        members.extend(
            seen_from_account(m, tenant_id=tenant_id, service_url=turn_context.activity.service_url,
                              reported_by_teams=True)
            for m in page.members or []
        )
        token = page.continuation_token
        if not token:
            return members
