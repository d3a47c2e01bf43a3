"""The demo's desk: `companion demo` prints a local address that opens the coach's desk, `:desk`
prints a fresh one, and a note the coach writes on the page is in the client's /notes in the
terminal chat."""

from __future__ import annotations

import asyncio
import io
import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from bot.devtools.demo import run_demo
from tests.support.web_desk import csrf_of

pytestmark = pytest.mark.asyncio

DESK_LINE = re.compile(r"(http://127\.0\.0\.1:\d+/#tgWebAppData=\S+)")


class _Output(io.StringIO):
    """What the demo prints, read while it runs."""

    def isatty(self) -> bool:
        return False


async def _wait_for(out: _Output, pattern: re.Pattern[str], after: int = 0) -> re.Match[str]:
    async with asyncio.timeout(30):
        while True:
            found = pattern.search(out.getvalue(), after)
            if found is not None:
                return found
            await asyncio.sleep(0.05)


async def test_the_demo_prints_the_desk_and_a_note_reaches_the_clients_notes() -> None:
    read_end, write_end = os.pipe()
    stdin = os.fdopen(read_end, "r", encoding="utf-8")
    writer = os.fdopen(write_end, "w", encoding="utf-8", buffering=1)
    out = _Output()
    demo = asyncio.create_task(run_demo(stdin=stdin, out=out))
    try:
        first = await _wait_for(out, DESK_LINE)
        writer.write(":desk\n")
        again = await _wait_for(out, DESK_LINE, first.end())
        assert again.group(1) != first.group(1)
        url = urlsplit(again.group(1))
        init = unquote(parse_qs(url.fragment)["tgWebAppData"][0])
        async with httpx.AsyncClient(base_url=f"http://{url.netloc}", timeout=60) as client:
            assert (await client.get("/")).status_code == 200
            assert (await client.post("/session", data={"init_data": init})).status_code == 200
            caseload = (await client.get("/clients")).text
            found = re.search(r'href="/clients/(\d+)">Liisa<', caseload)
            assert found is not None, caseload
            client_page = f"/clients/{found.group(1)}"
            csrf = csrf_of((await client.get(client_page)).text)
            saved = await client.post(
                client_page + "/notes", data={"csrf": csrf, "text": "Bring your CV on Friday."}
            )
            assert saved.status_code == 303
        mark = len(out.getvalue())
        writer.write(":client\n/notes\n")
        await _wait_for(out, re.compile(re.escape("Bring your CV on Friday.")), mark)
        writer.write(":quit\n")
        assert await asyncio.wait_for(demo, 30) == 0
    finally:
        writer.close()
        if not demo.done():
            demo.cancel()
        stdin.close()
