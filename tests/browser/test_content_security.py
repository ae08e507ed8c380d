"""Every page of every demo user, in Chromium under the portal's content security policy: no
violation, and no error in the console either."""

from __future__ import annotations

from playwright.async_api import Browser

from tests.browser.test_layout import DESKTOP, signed_in
from tests.support.personas import Outbox

USERS = ("admin", "moderator", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002", "bh1001")
INLINE_HANDLERS = """() => Array.from(document.querySelectorAll('*')).flatMap(el =>
  Array.from(el.attributes).filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))"""
RECORD = """document.addEventListener('securitypolicyviolation', e =>
  (window.__violations = window.__violations || []).push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


async def test_no_page_of_any_demo_user_breaks_the_policy_or_logs_an_error(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    violations: list[str] = []
    for username in USERS:
        landing = "/erfassung" if username == "bh1001" else "/"
        page = await signed_in(browser, portal, outbox, username, DESKTOP, landing)
        page.on(
            "console",
            lambda message, user=username, at=page: (
                violations.append(f"{user} {at.url}: {message.text}") if message.type == "error" else None
            ),
        )
        await page.add_init_script(RECORD)
        links = await page.locator("nav a[href^='/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        for path in dict.fromkeys([landing, *links, "/konto"]):
            if path.startswith("/logout"):
                continue
            answer = await page.goto(path)
            assert answer is not None and "script-src 'self'" in (await answer.all_headers()).get(
                "content-security-policy", ""
            ), path
            await page.wait_for_load_state("networkidle")
            found = await page.evaluate("window.__violations || []")
            violations.extend(f"{username} {path}: {v}" for v in found)
            # An inline handler breaks the policy only once its event fires: none may be on the page.
            handlers = await page.evaluate(INLINE_HANDLERS)
            violations.extend(f"{username} {path}: inline handler {h}" for h in handlers)
        await page.context.close()
    assert not violations, "\n".join(violations)


async def test_the_handlers_moved_out_of_the_pages_still_work(browser: Browser, portal: str, outbox: Outbox) -> None:
    """The Zentrale's choice of partner and month leads to the entry form; a filter applies on change."""
    page = await signed_in(browser, portal, outbox, "admin", DESKTOP)
    await page.goto("/erfassung")
    await page.select_option("#partner", "1002")
    await page.click("form[data-entry-choice] button[type=submit]")
    await page.wait_for_url("**/erfassung/1002/**")
    await page.goto("/zentrale/meldungen")
    async with page.expect_navigation():
        await page.fill("form[data-submit-on-change] #monat", "2026-01")
        await page.dispatch_event("form[data-submit-on-change] #monat", "change")
    assert "monat=2026-01" in page.url  # the filter applied on change
    await page.context.close()
