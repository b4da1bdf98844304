"""Overview benchmark: each page of the coordinator's tab with 10,000 participants and 10,000 requests.

The database is the turn benchmark's (``bench.seed.turn_database``: the sample programme, the
coordinator, participants, requests in every state, every reminder planned), plus handed-in
documents with their cost splits. The app runs in this process on 127.0.0.1 (the dispatcher
off); the coordinator signs in with a link as in real use, then every page is fetched
``rounds`` times after one warm-up fetch. The time is the whole round trip on loopback (the
client's part included), so an upper bound of the server's time. Target: 200 ms a page.

    python -m bench.dashboard --participants 200 --requests 200 --rounds 3   # a small run
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench import seed
from storage.db import create_engine
from storage.tables import CostSplitRow, DocumentRow, ParticipantRow

TARGET_MS = 200.0
PAGES = (("vragen", "/overzicht/vragen"),
         ("vragen, bij Dia", "/overzicht/vragen?status=suggested"),
         ("vragen, gezocht", "/overzicht/vragen?q=schoolbesturen+aan"),
         ("vragen, pagina 200", "/overzicht/vragen?pagina=200"),
         ("vraag", "/overzicht/vragen/{request}"),
         ("inzendingen", "/overzicht/inzendingen"),
         ("deadlines", "/overzicht/deadlines"),
         ("kosten", "/overzicht/kosten"),
         ("kosten, grafiek", "/overzicht/kosten/grafiek.png"),
         ("programma", "/overzicht/programma"))
CATEGORIES = ("evaluatieformat", "ambitiebrief", "accountplan", "kostenberekening")
DEADLINES = ("exploitatievraag", None)


@dataclass
class PageTime:
    """One page's round trips (ms) and its status."""

    page: str
    status: int
    first_ms: float  # the warm-up fetch: templates compiled, the board or figures computed afresh
    p50_ms: float
    p95_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def add_documents(database_url: str, owner_ids: list[int], count: int, *, libraries: int,
                        seed_number: int = 11, now: datetime | None = None) -> None:
    """Insert ``count`` handed-in documents (rows only) and a cost split for ``libraries`` of them."""
    rng = random.Random(seed_number)
    engine = create_engine(database_url)
    now = now or datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            rows = [{"owner_id": owner_ids[i % len(owner_ids)], "category": CATEGORIES[i % len(CATEGORIES)],
                     "deadline_id": DEADLINES[i % len(DEADLINES)], "consent": rng.choice(("project_team",
                                                                                           "participants")),
                     "note": "", "file_name": f"document-{i}.pdf", "stored_name": f"bench{i:059d}",
                     "public_ref": f"benchdoc-{i}", "size": 1000 + i, "sha256": f"{i:064d}",
                     "content_type": "application/pdf", "created_at": now - timedelta(hours=i % 500)}
                    for i in range(count)]
            if rows:
                await connection.execute(insert(DocumentRow), rows)
            costs = (await connection.execute(select(DocumentRow.id).where(
                DocumentRow.category == "kostenberekening").order_by(DocumentRow.id).limit(libraries))).scalars()
            splits = []
            for number, document_id in enumerate(costs):
                school, library = rng.randint(20, 60), rng.randint(20, 60)
                splits.append({"document_id": document_id, "total": Decimal(rng.randint(2000, 9000)),
                               "pupils": rng.randint(100, 600), "as_percentages": True,
                               "parts": {"school": str(school), "bibliotheek": str(library),
                                         "subsidie": str(100 - school - library if school + library < 100 else 0),
                                         "gemeente": "0", "overig": "0"},
                               "library": f"Bibliotheek {number}", "created_at": now})
            if splits:
                await connection.execute(insert(CostSplitRow), splits)
    finally:
        await engine.dispose()


async def _measure(database_url: str, work: Path, rounds: int) -> list[PageTime]:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.bootstrap import create_app
    from bot.config import load_settings
    from bot.domain.dashboard_access import login_token

    settings = load_settings({"DATABASE_URL": database_url, "DISPATCH_INTERVAL": "0",
                              "FILES_DIR": str(work / "files"), "LINK_SECRET": "bench-secret-of-the-overview"},
                             env_file=None)
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1", port=0))
    await client.start_server()
    try:
        engine = create_engine(database_url)
        async with engine.connect() as connection:
            coordinator = (await connection.execute(select(ParticipantRow.id).where(
                ParticipantRow.person_id == seed.COORDINATOR))).scalar_one()
        await engine.dispose()
        token = login_token(coordinator, datetime.now(UTC), settings.link_secret)
        signed_in = await client.post("/overzicht/inloggen", data={"t": token}, allow_redirects=False)
        assert signed_in.status == 303, await signed_in.text()
        times = []
        for name, path in PAGES:
            url = path.format(request=1)
            spans, status = [], 0
            for _ in range(rounds + 1):
                began = time.perf_counter()
                response = await client.get(url)
                await response.read()
                spans.append((time.perf_counter() - began) * 1000)
                status = response.status
            # The first fetch warms caches (templates, the chart's fonts, a board kept until data changes).
            first, ordered = spans[0], sorted(spans[1:])
            times.append(PageTime(name, status, round(first, 1), round(statistics.median(ordered), 1),
                                  round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1),
                                  round(ordered[-1], 1)))
        return times
    finally:
        await client.close()


def run_dashboard(database_url: str, work: Path, *, participants: int, requests: int, documents: int,
                  rounds: int) -> list[PageTime]:
    """Seed the database, then time every page of the overview (``rounds`` fetches each)."""
    seed.turn_database(database_url, participants=participants, requests=requests,
                       service_url="http://127.0.0.1:9")  # the dispatcher is off: nothing is sent there
    owners = asyncio.run(_participant_ids(database_url))
    asyncio.run(add_documents(database_url, owners, documents, libraries=min(40, max(3, documents // 10))))
    return asyncio.run(_measure(database_url, work, rounds))


async def _participant_ids(database_url: str) -> list[int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(select(ParticipantRow.id).order_by(ParticipantRow.id))).scalars())
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sparringbot-dashboard-"))
    url = args.database_url or f"sqlite+aiosqlite:///{work / 'dashboard.db'}"
    times = run_dashboard(url, work, participants=args.participants, requests=args.requests,
                          documents=args.documents, rounds=args.rounds)
    print(f"{'page':<22} {'status':>6} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page in times:
        flag = "" if page.p95_ms <= TARGET_MS else f"  over {TARGET_MS:.0f} ms"
        print(f"{page.page:<22} {page.status:>6} {page.first_ms:>9} {page.p50_ms:>8} {page.p95_ms:>8} "
              f"{page.max_ms:>8}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
