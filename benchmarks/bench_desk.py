"""Benchmark the web desk's pages at 100,000 seeded transcripts, on SQLite and PostgreSQL.

    python benchmarks/bench_desk.py [--transcripts 100000] [--runs 30]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Seeds as bench_transcripts.py does (ten organisations, one transcript in eleven in none), serves
the desk on a free port, signs in a partnership lead and one organisation's lead through a real
sign-in link, and times whole HTTP requests (p50 and p95 of `--runs`, after one warm-up): the
overview and the list with and without filters. Target: 200 ms p95 each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import tornado.httpserver
import tornado.testing
from bench_transcripts import ORGANISATIONS, postgres_schema, seed
from machine import describe

from bot.config import Config, Lead, Organisation
from bot.content import load_library
from bot.desk.app import make_app
from bot.desk.links import digest, new_token
from bot.desk.services import DeskServices
from bot.storage import ChatKeys, open_store
from bot.transcripts.pseudonym import Pseudonyms

PSEUDONYMS = Pseudonyms(b"bench-only-secret")
PARTNERSHIP, ORG_LEAD = 1, 2
PAGES = (
    "/",
    "/transcripts",
    "/transcripts?unsure=1",
    "/transcripts?outcome=share_with_consent&period=30d",
    "/transcripts?page=400",
    "/transcripts?sort=oldest",
    "/transcripts?q=consent",
)


async def signed_in(
    services: DeskServices, base: str, http: aiohttp.ClientSession, lead: int
) -> str:
    token, now = new_token(), services.clock()
    await services.store.desk_link(digest(token), lead, now, now + timedelta(minutes=5))
    async with http.get(f"{base}/signin/{token}") as page:  # the page with its form
        xsrf = page.cookies["_xsrf"].value
    async with http.post(
        f"{base}/signin/{token}",
        data={"_xsrf": xsrf},
        headers={"Cookie": f"_xsrf={xsrf}"},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 303
        cookie = answer.cookies["desk_session"].value
    return f"desk_session={cookie}"


async def timed(
    http: aiohttp.ClientSession, url: str, cookie: str, runs: int
) -> tuple[float, float]:
    took = []
    for n in range(runs + 1):
        begin = time.perf_counter()
        async with http.get(url, headers={"Cookie": cookie}, allow_redirects=False) as answer:
            await answer.read()
            assert answer.status == 200, (url, answer.status)
        if n:
            took.append((time.perf_counter() - begin) * 1000)
    took.sort()
    return statistics.median(took), took[max(0, round(0.95 * len(took)) - 1)]


async def run(url: str, count: int, runs: int) -> dict[str, tuple[float, float]]:
    library = load_library()
    store = await open_store(url, ChatKeys(PSEUDONYMS.secret))
    seed(url, library["advice"], count)
    config = Config(
        storage={"url": url},  # type: ignore[arg-type]
        organisations=tuple(
            Organisation(id=o, name=o, leads=(Lead(id=ORG_LEAD),) if o == ORGANISATIONS[0] else ())
            for o in ORGANISATIONS
        ),
        partnership_leads=(Lead(id=PARTNERSHIP),),
    )
    services = DeskServices(config, library, store, PSEUDONYMS)
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(make_app(services))
    server.add_sockets([sock])
    base = f"http://127.0.0.1:{port}"
    results: dict[str, tuple[float, float]] = {}
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            for who, lead in (
                ("partnership lead", PARTNERSHIP),
                ("one organisation's lead", ORG_LEAD),
            ):
                cookie = await signed_in(services, base, http, lead)
                for page in PAGES:
                    results[f"{page} ({who})"] = await timed(http, base + page, cookie, runs)
    finally:
        server.stop()
        await server.close_all_connections()
        await store.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("INFOSHARE_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    columns: list[tuple[str, dict[str, tuple[float, float]]]] = []
    with tempfile.TemporaryDirectory(prefix="infoshare-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        if not args.no_sqlite:
            columns.append(("SQLite", await run(url, args.transcripts, args.runs)))
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            columns.append(("PostgreSQL", await run(url, args.transcripts, args.runs)))
    print(
        f"machine: {describe()}\n{args.transcripts:,} transcripts; p50 / p95 of {args.runs} runs\n"
    )
    print("| page | " + " | ".join(f"{name} ms" for name, _ in columns) + " | target |")
    print("|---|" + "---|" * len(columns) + "---|")
    for key in columns[0][1]:
        cells: list[Any] = [f"{r[key][0]:.0f} / {r[key][1]:.0f}" for _, r in columns]
        print(f"| {key} | " + " | ".join(cells) + " | p95 ≤ 200 |")


if __name__ == "__main__":
    asyncio.run(main())
