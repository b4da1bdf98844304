"""Which directory person a Teams account is: only verified identifiers decide.

A link gives rights (the coordinator's, an expert's introductions), so it is made only on what
Teams itself vouches for: the AAD object id (from the member API, or the authenticated
activity's ``from.aadObjectId``, as trustworthy as the ``from.id`` every role check rests on),
or the e-mail/UPN that Teams' member API reports, matched case-insensitively against the
directory's ``aad_object_id``/``email``. A display
name is chosen by its owner and proves nothing: a name that looks like a directory person's at
most *proposes* a link, which the coordinator confirms (``LinkMethod.COORDINATOR``).

The rule is evaluated wherever a link could become wrong: when an account is seen, when the
directory is imported (an e-mail added later), and once for links made by earlier versions
(migration 0007 demotes name-only links to proposals).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection, Iterable, Sequence

from bot.domain.models import Participant, Person


class LinkMethod(enum.StrEnum):
    """How a participant came to be linked to their directory person."""

    AAD = "aad"
    EMAIL = "email"
    COORDINATOR = "coordinator"  # a display-name proposal the coordinator confirmed


def fold_name(text: str | None) -> str:
    """A display name reduced to what a reader sees: no case, accents, invisible characters or extra spaces.

    Used only to *propose* links, so look-alikes (``Maarten\\u200b``, ``MAARTEN``, ``Màarten``)
    fold together on purpose: the coordinator then sees the exact name and decides.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    # Cf: zero-width spaces and joiners, bidi marks; Mn: the accents NFKD split off.
    visible = "".join(c for c in decomposed if unicodedata.category(c) not in ("Cf", "Mn", "Me", "Cc"))
    return " ".join(visible.casefold().split())


def _same(left: str | None, right: str | None) -> bool:
    # Addresses and object ids compare without case (Teams and Entra ID do not keep it stable).
    if not left or not right:
        return False
    return left.strip().casefold() == right.strip().casefold()


def verified_method(participant: Participant, person: Person, *, trusted: bool = True) -> LinkMethod | None:
    """How ``participant`` is verifiably ``person``, or ``None`` when nothing Teams reported matches.

    Args:
        participant: The Teams account, with the identifiers Teams reported.
        person: The directory person.
        trusted: False when the account's tenant is not one of the programme's: its e-mail
            and object id then prove nothing (another tenant's admin chooses them).
    """
    if not trusted:
        return None
    if _same(participant.aad_object_id, person.aad_object_id):
        return LinkMethod.AAD
    if person.email and (_same(participant.email, person.email) or _same(participant.upn, person.email)):
        return LinkMethod.EMAIL
    return None


def verified_person(participant: Participant, people: Iterable[Person], *,
                    trusted: bool = True) -> tuple[Person, LinkMethod] | None:
    """The one directory person whose identifiers match the participant's, with how.

    The AAD object id wins over the e-mail. Two people matching the same way (a directory
    error) link nobody: the link must be certain.
    """
    found: dict[LinkMethod, list[Person]] = {}
    for person in people:
        method = verified_method(participant, person, trusted=trusted)
        if method is not None:
            found.setdefault(method, []).append(person)
    for method in (LinkMethod.AAD, LinkMethod.EMAIL):
        if len(found.get(method, ())) == 1:
            return found[method][0], method
        if found.get(method):
            return None
    return None


def link_holds(participant: Participant, person: Person | None, *, trusted: bool = True) -> LinkMethod | None:
    """Whether the participant's current link to ``person`` may stay, and on what ground.

    A person the directory gives an e-mail or object id is linked only to the account with
    that identifier, whatever linked them before (a name, the coordinator). A person without
    identifiers keeps only a link the coordinator confirmed; a link of unknown origin (made by
    an earlier version, perhaps by name) does not hold.

    Returns:
        The method to record (possibly upgraded to a verified one), or ``None``: unlink.
    """
    if person is None:
        return None
    method = verified_method(participant, person, trusted=trusted)
    if method is not None:
        return method
    if not person.has_identifiers and participant.link_method == LinkMethod.COORDINATOR:
        return LinkMethod.COORDINATOR
    return None


def name_candidates(participant: Participant, people: Sequence[Person], *,
                    taken: Collection[str] = ()) -> list[Person]:
    """Directory people a display name suggests, to *propose* to the coordinator (never to link).

    Only active people without e-mail or object id qualify (the others link by those alone),
    and nobody already linked (``taken``). The folded full name decides; failing that, a
    one-word directory name equal to the first name (the sample directory lists people by
    first name, as the newsletter does). Several candidates are all proposed: the coordinator
    knows which one it is.
    """
    name = fold_name(participant.name)
    if not name:
        return []
    open_people = [p for p in people if p.active and not p.has_identifiers and p.id not in taken]
    exact = [p for p in open_people if fold_name(p.name) == name]
    if exact:
        return exact
    first = name.split()[0]
    return [p for p in open_people if fold_name(p.name) == first]
