"""Two `infoshare-bot run --webhook` replicas on one PostgreSQL, behind a round-robin balancer.

The emulator delivers updates as Telegram does, several at once (the webhook's
max_connections), so one chat's updates reach both replicas, sometimes together. Checked: the
chat continues whichever replica answers, a double tap is applied once, nothing is refused, and
under load every transcript holds exactly the steps its practitioner took, in order.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from bot import words
from bot.storage import SqlStore
from bot.transcripts.model import BACK, Filters
from bot.transcripts.pseudonym import load_pseudonyms
from states import Library, normalise
from tests.emulator import EmulatorClient
from tests.support.balancer import Balancer
from tests.support.conversations import Script, label_for, written_for
from tests.support.e2e import (
    EDITION,
    TOKEN,
    BotProcess,
    Launcher,
    Practitioner,
    failed,
    free_port,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.asyncio(loop_scope="module")]

LOAD_PRACTITIONERS = 30
LOAD_TIMEOUT = 120.0
RACED = re.compile(r"raced another update of its chat")


class Deployment:
    """Two replicas, their balancer (at the launcher's public URL) and the shared database."""

    def __init__(self, launcher: Launcher, balancer: Balancer, replicas: list[BotProcess]):
        self.launcher = launcher
        self.balancer = balancer
        self.replicas = replicas

    async def store(self) -> SqlStore:
        return await self.launcher.open_store()

    def practitioner_of(self, user_id: int) -> str:
        return load_pseudonyms(self.launcher.directory / "pseudonym.key").of(user_id)

    def races(self) -> int:
        """How often a replica found the chat saved by the other and applied its update again."""
        return sum(len(RACED.findall(bot.log_text())) for bot in self.replicas)

    async def settled(self) -> None:
        """Wait until Telegram has no update left to deliver (each is answered once handled)."""
        url = f"{self.launcher.base_url}/bot{TOKEN}/getWebhookInfo"
        async with aiohttp.ClientSession() as session:

            async def empty() -> bool | None:
                async with session.get(url) as response:
                    info = (await response.json())["result"]
                return True if info["pending_update_count"] == 0 else None

            await until(empty, 20.0, "every update to be handled")


@pytest_asyncio.fixture(loop_scope="module")
async def deployment(
    telegram: EmulatorClient, tmp_path: Path, postgres_url: str
) -> AsyncIterator[Deployment]:
    launcher = Launcher(telegram, tmp_path, storage_url=postgres_url)
    ports = [free_port(), free_port()]
    balancer = Balancer(ports)
    try:
        async with balancer.serving(launcher.port):
            replicas = [await launcher.start(webhook=True, port=port) for port in ports]
            yield Deployment(launcher, balancer, replicas)
    finally:
        await launcher.close()


def planned_answers(library: Library, plan: Script) -> list[str]:
    """The answer ids (or Back) a transcript's steps must record."""
    typed = library["advice"].typed
    return [BACK if said == "back" else typed[step][normalise(said)] for step, said in plan.turns]


async def test_one_chat_continues_on_either_replica_and_a_double_tap_counts_once(
    deployment: Deployment,
    telegram: EmulatorClient,
    library: Library,
    capsys: pytest.CaptureFixture[str],
) -> None:
    transcript = next(
        t
        for t in written_for(EDITION)
        if len(t.turns) >= 5 and "back" not in dict(t.turns).values()
    )
    user = Practitioner(await telegram.user("Sam"))
    await user.start()
    for index, (step, said) in enumerate(transcript.turns):
        label = label_for(library, step, said)
        message = user.current
        assert message is not None
        if index % 2:  # a double tap: two presses of one button, sent together
            first, second = await asyncio.gather(
                user.actor.press(message, label), user.actor.press(message, label)
            )
            answers = [
                await telegram.wait_for_answer(press, timeout=10) for press in (first, second)
            ]
            popups = sorted(str(a.get("text")) for a in answers)
            assert popups == ["None", words.STALE], popups
        else:
            await user.actor.press(message, label)
        await deployment.settled()
        everything = await user.messages()
        user.current = next(m for m in reversed(everything) if m.buttons)
    await deployment.settled()
    texts = "\n".join(m.text or "" for m in await user.messages())
    outcome = library["advice"].content.outcomes[transcript.outcome]
    assert outcome.title in texts
    assert words.UNAVAILABLE not in texts and words.SORRY not in texts
    assert set(deployment.balancer.served) == set(deployment.balancer.ports)
    store = await deployment.store()
    try:
        stored = await store.load(user.chat_id)
        assert stored is not None and stored.step == transcript.outcome
        page = await store.list_transcripts(Filters(), offset=0, limit=10)
        [summary] = page.items
        found = await store.get_transcript(summary.id)
        assert found is not None
        assert [s.answer for s in found.steps] == planned_answers(library, transcript)
    finally:
        await store.close()
    # The second tap of a double tap clears a keyboard the first already cleared: harmless.
    refused = [c for c in failed(await telegram.calls()) if "not modified" not in str(c)]
    assert refused == []
    with capsys.disabled():  # the counts belong in the test output
        print(
            f"\n[replicas] one chat: {len(transcript.turns)} answers, "
            f"{len(transcript.turns) // 2} double taps, served {dict(deployment.balancer.served)}, "
            f"races re-applied {deployment.races()}"
        )


async def test_many_practitioners_through_two_replicas(
    deployment: Deployment,
    telegram: EmulatorClient,
    library: Library,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bounded load test: every transcript afterwards is exactly what its practitioner did.

    Replies are paced by the bot's rate limiter (Telegram's limits: about one message a second
    in a chat, 30 a second in all, per replica), so the latency printed is mostly that pacing.
    """
    scripts = written_for(EDITION)
    plans = [scripts[i % len(scripts)] for i in range(LOAD_PRACTITIONERS)]
    users = [Practitioner(await telegram.user(f"User {i}")) for i in range(len(plans))]
    waits: list[float] = []

    async def walk(user: Practitioner, plan: Script) -> None:
        await user.start()
        for step, said in plan.turns:
            began = time.perf_counter()
            await user.press(label_for(library, step, said))
            waits.append(time.perf_counter() - began)

    began = time.perf_counter()
    async with asyncio.timeout(LOAD_TIMEOUT):
        await asyncio.gather(*(walk(u, p) for u, p in zip(users, plans, strict=True)))
    elapsed = time.perf_counter() - began
    await deployment.settled()
    store = await deployment.store()
    try:
        for user, plan in zip(users, plans, strict=True):
            stored = await store.load(user.chat_id)
            assert stored is not None and stored.step == plan.outcome, user.chat_id
            who = deployment.practitioner_of(user.actor.user_id)
            page = await store.list_transcripts(Filters(practitioner=who), offset=0, limit=5)
            [summary] = page.items
            found = await store.get_transcript(summary.id)
            assert found is not None and found.outcome == plan.outcome
            assert [s.answer for s in found.steps] == planned_answers(library, plan)
            times = [s.at for s in found.steps]
            assert times == sorted(times)
    finally:
        await store.close()
    assert failed(await telegram.calls()) == []
    presses = len(waits)
    with capsys.disabled():  # the counts belong in the test output
        print(
            f"\n[replicas] load: {len(users)} practitioners, {presses} answers in {elapsed:.1f} s "
            f"({presses / elapsed:.0f} answers/s), answer-to-reply p50 "
            f"{statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms; served "
            f"{dict(deployment.balancer.served)}; races re-applied {deployment.races()}"
        )
