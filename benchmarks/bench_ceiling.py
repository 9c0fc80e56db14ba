"""Telegram's own ceiling: answer-to-next-question latency with 30 practitioners at once.

    python benchmarks/bench_ceiling.py [--practitioners 30] [--rtt-ms 40] [--think 0,4]

The real application, as deployed (python-telegram-bot's `AIORateLimiter` on: 30 requests a
second with a `chat_id` for the whole bot), on SQLite, with an offline request that answers
every Bot API call after `--rtt-ms` (a round trip to api.telegram.org). Each practitioner is a
task: /start, then a press per question along the dialogue's longest path, each press as soon
as the next question has arrived plus a think time (exponential, mean `--think` s; 0 is flat
out). Measured per answer: from the press reaching the bot to the next question's sendMessage
returning, i.e. what a practitioner waits for. Calls per second with a `chat_id` show the
limiter at work; the answered question is still marked, so the chat stays readable as a record.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_telegram as bt
from machine import describe
from telegram.request import RequestData

from bot.config import Config
from bot.content import load_library
from bot.storage import open_store
from bot.telegram.application import build_application


class SlowRequest(bt.CannedRequest):
    """The canned request after a round trip; notes when each chat's question arrived."""

    def __init__(self, rtt_s: float) -> None:
        super().__init__()
        self.rtt_s = rtt_s
        self.asked: dict[int, asyncio.Event] = {}
        self.limited: list[float] = []

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_: Any, **__: Any
    ) -> tuple[int, bytes]:
        await asyncio.sleep(self.rtt_s)
        answer = await super().do_request(url, method, request_data)
        params = request_data.parameters if request_data else {}
        if "chat_id" in params:
            self.limited.append(time.perf_counter())
        if url.endswith("/sendMessage") and params.get("reply_markup"):
            self.asked.setdefault(int(str(params["chat_id"])), asyncio.Event()).set()
        return answer


async def practitioner(
    app: Any, request: SlowRequest, chat_id: int, think_s: float, waits: list[float]
) -> None:
    asked = request.asked.setdefault(chat_id, asyncio.Event())
    rng = random.Random(chat_id)
    await app.process_update(bt.message_update(chat_id * 100, chat_id, "/start", app.bot))
    await asked.wait()
    for index in range(len(bt.ROUTE)):
        if think_s:
            await asyncio.sleep(rng.expovariate(1 / think_s))
        data = bt.along_route(request.keyboards.get(chat_id, []), index)
        if data is None:
            return
        asked.clear()
        began = time.perf_counter()
        pressed = asyncio.ensure_future(
            app.process_update(bt.press_update(chat_id * 100 + index + 1, chat_id, data, app.bot))
        )
        if index + 1 < len(bt.ROUTE):
            await asked.wait()  # the next question is on screen
            waits.append(time.perf_counter() - began)
        await pressed


async def scenario(practitioners: int, rtt_s: float, think_s: float) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="infoshare-ceiling-"))
    url = f"sqlite:///{folder / 'bot.db'}"
    request = SlowRequest(rtt_s)
    config = Config.model_validate({"storage": {"url": url}, "telegram": {"rate_limit": True}})
    app = build_application(config, load_library(), bt.TOKEN, bt.PSEUDONYMS, request=request)
    app.services.attach(await open_store(url, bt.KEYS))
    await app.initialize()
    waits: list[float] = []
    began = time.perf_counter()
    await asyncio.gather(
        *(practitioner(app, request, c, think_s, waits) for c in range(1, practitioners + 1))
    )
    seconds = time.perf_counter() - began
    await app.shutdown()
    await app.services.close()
    waits.sort()
    ms = [w * 1000 for w in waits]
    busiest = max(
        sum(1 for t in request.limited if start <= t < start + 1) for start in request.limited
    )
    return {
        "answers": len(ms),
        "answers_per_s": len(ms) / seconds,
        "p50": statistics.median(ms),
        "p95": ms[int(len(ms) * 0.95)],
        "p99": ms[int(len(ms) * 0.99)],
        "max": ms[-1],
        "busiest_second": busiest,
        "seconds": seconds,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=30)
    parser.add_argument("--rtt-ms", type=float, default=40.0)
    parser.add_argument("--think", default="0,4", help="mean think times in s, comma-separated")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    print(
        f"{args.practitioners} practitioners at once, Bot API round trip {args.rtt_ms:.0f} ms, "
        f"AIORateLimiter on, route /start + {len(bt.ROUTE)} presses\n"
    )
    print(
        "| think time (mean) | answers | answers/s | wait p50 ms | p95 ms | p99 ms | max ms "
        "| busiest second (calls with a chat_id) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for think in (float(t) for t in args.think.split(",")):
        r = await scenario(args.practitioners, args.rtt_ms / 1000, think)
        print(
            f"| {think:g} s | {r['answers']:.0f} | {r['answers_per_s']:.1f} | {r['p50']:,.0f} | "
            f"{r['p95']:,.0f} | {r['p99']:,.0f} | {r['max']:,.0f} | {r['busiest_second']:.0f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
