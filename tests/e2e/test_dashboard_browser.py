"""A coordinator uses the dashboard in a real browser: Debian's Chromium driven by Playwright.

The browser is the system's (``apt-get install -y chromium``); ``playwright install`` is never
run (it downloads a browser of its own). Without Chromium or Playwright the test is skipped,
saying so. Set ``DASHBOARD_SCREENSHOT=path.png`` to keep a screenshot of the program page.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bot.config import WebSettings
from tests.e2e.conftest import final, running_bot, settings_for
from tests.e2e.dashboard_support import SESSION_SECRET, make_circle

async_api = pytest.importorskip("playwright.async_api", reason="no Playwright: pip install '.[test]'")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here: `apt-get install -y chromium` lets the browser test run"
)
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # loopback only, whatever the environment's proxy says
]
TIMEOUT_MS = 20_000  # a loaded 2-core machine draws charts slowly


@pytest.fixture
async def chromium():
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def test_a_coordinator_signs_in_sees_the_program_confirms_matches_and_downloads_a_report(
    fake, world, database_url, clock, chromium, tmp_path
):
    web = WebSettings(
        enabled=True,
        port=0,
        client_id=fake.application_id,
        client_secret=fake.oauth.client_secret,
        session_secret=SESSION_SECRET,
    )
    settings = settings_for(fake, database_url).model_copy(update={"web": web})
    async with running_bot(fake, settings, clock) as runner:
        assert runner.web is not None
        fake.oauth.redirect_uris.add(runner.web.url + "/oauth/callback")
        # The program, arranged the way people do it: slash commands.
        await make_circle(fake, world)
        dan, erin = fake.add_user("dan", global_name="Dan"), fake.add_user("erin", global_name="Erin")
        for user, wants in ((dan, "mentor"), (erin, "mentee")):
            world.guild.add_member(user)
            await final(await fake.slash(user, world.guild, "match optin", wants=wants))
        await (await fake.slash(world.owner, world.guild, "match suggest", mode="one_to_one")).wait_followup()
        fake.oauth.signed_in = world.owner  # who is logged in to Discord in this browser

        context = await chromium.new_context(accept_downloads=True, viewport={"width": 390, "height": 844})
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(runner.web.url)
        await page.get_by_role("link", name="Sign in with Discord").click()
        await page.get_by_role("button", name="Authorize").click()  # Discord's consent page
        await page.get_by_role("link", name="Faculty Peer Mentoring").click()

        await page.get_by_role("heading", name="Program").wait_for()
        chart = page.locator("figure.chart img")
        await chart.scroll_into_view_if_needed()
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await chart.element_handle()
        )
        assert await page.get_by_role("link", name="Circle").count() == 1
        fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the program page scrolls sideways on a phone"
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            await page.set_viewport_size({"width": 1100, "height": 900})
            await page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)

        await page.locator("nav.tabs").get_by_role("link", name="Matching").click()
        await page.get_by_role("button", name="Confirm and create 1 group").click()
        await page.get_by_role("heading", name="Created 1 group").wait_for()
        await page.get_by_role("link", name="Dan & Erin").wait_for()

        await page.locator("nav.tabs").get_by_role("link", name="Exports").click()
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="program.csv").click()
        download = await download_info.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        lines = saved.read_text().splitlines()
        assert download.suggested_filename == "program-report-90d.csv"
        assert lines[0].startswith("group,members")
        assert any(line.startswith("Dan & Erin,2") for line in lines)
        await context.close()
