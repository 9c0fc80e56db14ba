"""End to end: `infoshare-bot run` with `desk.enabled` serves the web desk itself, beside the
bot (no second process): a lead's /desk link (its page, then its form) signs them in there, and
the desk stops with the bot."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from tests.emulator import EmulatorClient
from tests.support.e2e import Launcher, Practitioner, failed

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

WITHIN = 10.0
SIGN_IN = re.compile(r"(http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]{43})")
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')


async def test_run_serves_the_desk_when_enabled_and_stops_it_with_the_bot(
    telegram: EmulatorClient, tmp_path: Path
) -> None:
    lead = Practitioner(await telegram.user("Lee"))
    runs = Launcher(
        telegram, tmp_path, top={"leads": [lead.actor.user_id], "desk": {"enabled": True}}
    )
    try:
        bot = await runs.start()
        await lead.actor.send("/desk")
        (said,) = await lead.actor.wait_for_messages(1, timeout=WITHIN)
        link = SIGN_IN.search(said.text or "")
        assert link is not None and link[1].startswith(runs.desk_url)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            # opening the link shows the sign-in page (nothing used); its form signs in
            for _ in range(2):
                async with http.get(link[1], allow_redirects=False) as page:
                    assert page.status == 200
                    text = await page.text()
                    xsrf = page.cookies["_xsrf"].value
            found = XSRF.search(text)
            assert found is not None
            form = {"_xsrf": found[1]}
            headers = {"Cookie": f"_xsrf={xsrf}"}  # Secure: sent by hand over plain HTTP
            async with http.post(
                link[1], data=form, headers=headers, allow_redirects=False
            ) as signed_in:
                assert signed_in.status == 303 and signed_in.headers["Location"] == "/"
                cookies = signed_in.headers.getall("Set-Cookie")
                assert any(c.startswith("desk_session=") for c in cookies)
            async with http.post(
                link[1], data=form, headers=headers, allow_redirects=False
            ) as again:
                assert again.status == 403
            assert await bot.stop() == 0
            with pytest.raises(aiohttp.ClientConnectionError):
                async with http.get(runs.desk_url + "/signed-out"):
                    pass
        assert failed(await telegram.calls()) == []
    finally:
        await runs.close()
