"""The analysis as its readers meet it in Chromium at desktop, tablet and phone size, as the
managing director, a territory manager and receivables staff: a summary band first, a table that no
box cuts off at 1280 px, charts whose axis labels never overlap and that either draw or say why,
a KPI's drill-down with 24 months, the partner choice within the staff's scope, a keyboard walk,
and axe-core (vendored) with no serious or critical violation. Screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_layout import signed_in
from tests.browser.test_start_page import SHOTS, SIZES
from tests.support.personas import Outbox

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

# What a reader would notice, measured in the page: tables cut off by their box, cells whose text
# does not fit, chart texts drawn over each other, and each chart card with its drawing or its reason.
INSPECT = """() => {
  const seen = el => el.offsetParent !== null && !el.closest("details:not([open])");
  const out = {boxes: [], cells: [], overlaps: [], cards: []};
  document.querySelectorAll(".table-scroll").forEach(box => {
    if (seen(box) && box.scrollWidth > box.clientWidth + 1) out.boxes.push([box.scrollWidth, box.clientWidth]);
  });
  document.querySelectorAll("table th, table td").forEach(cell => {
    if (seen(cell) && cell.scrollWidth > cell.clientWidth + 1) out.cells.push(cell.textContent.trim().slice(0, 40));
  });
  document.querySelectorAll(".chart-card").forEach(card => {
    const svg = card.querySelector(".chart svg"), empty = card.querySelector(".chart-empty");
    out.cards.push({id: card.id, drawn: !!svg, why: empty ? empty.textContent.trim() : ""});
    if (!svg) return;
    const texts = [...svg.querySelectorAll("text")]
      .map(t => [t.textContent.trim(), t.getBoundingClientRect()])
      .filter(([text, r]) => text && r.width > 0 && r.height > 0);
    texts.forEach(([a, r], i) => texts.slice(i + 1).forEach(([b, q]) => {
      const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
      const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (w > 1 && h > 1) out.overlaps.push([card.id, a, b]);
    }));
  });
  return out;
}"""

READERS = [
    ("gf1001", "/analyse"),
    ("gebiet-sued", "/analyse?partner=1005"),
    ("debitoren", "/analyse?partner=1005"),
]


async def _open(
    browser: Browser, portal: str, outbox: Outbox, user: str, size: str, path: str
) -> tuple[Page, list[str]]:
    page = await signed_in(browser, portal, outbox, user, SIZES[size])
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(path)
    # The course loads after the page; it ends in a drawing or a reason.
    await expect(page.locator("#chart-trend .chart svg, #chart-trend .chart-empty")).to_be_visible(timeout=15_000)
    await page.wait_for_load_state("networkidle")
    return page, errors


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(("user", "path"), READERS, ids=[user for user, _ in READERS])
async def test_the_analysis_fits_its_boxes_and_every_chart_draws_or_says_why(
    browser: Browser, portal: str, outbox: Outbox, user: str, path: str, size: str
) -> None:
    page, errors = await _open(browser, portal, outbox, user, size, path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"analysis-{user}-{size}.png"))
    band = await page.locator("#summary").bounding_box()
    assert band is not None and band["y"] < SIZES[size]["height"], "the summary band is on the first screen"
    assert await page.locator("#summary .band-card").count() >= 3
    found: dict[str, Any] = await page.evaluate(INSPECT)
    assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    if size == "desktop":
        assert found["boxes"] == [], f"a table is cut off by its box: {found['boxes']}"
        assert found["cells"] == [], f"cells whose text does not fit: {found['cells']}"
    assert found["overlaps"] == [], f"chart texts drawn over each other: {found['overlaps'][:5]}"
    silent = [c["id"] for c in found["cards"] if not c["drawn"] and not c["why"]]
    assert silent == [], f"charts neither drawn nor explained: {silent}"
    assert sum(c["drawn"] for c in found["cards"]) >= (15 if user == "gf1001" else 2)
    assert errors == []


async def test_a_kpi_drill_down_opens_from_the_table_and_from_a_chart_with_24_months(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page, errors = await _open(browser, portal, outbox, "gf1001", "desktop", "/analyse")
    await page.locator('tr[data-key="gross_margin"] th a').click()
    await page.wait_for_url(re.compile(r"/analyse/kennzahl/gross_margin\?"))
    await expect(page.locator("#chart-trend .chart svg")).to_be_visible(timeout=15_000)
    assert await page.locator("#chart-trend details tbody tr").count() == 24
    legend = await page.locator("#chart-trend .chart-legend").inner_text()
    assert "Mittlere Hälfte der Gruppe" in legend and "Median der Gruppe" in legend
    await expect(page.locator("#chart-position .chart svg")).to_be_visible()
    assert "Vorjahresmonat" in (await page.locator("#chart-position details").text_content() or "")
    # A bar of the strengths-and-weaknesses chart opens its KPI, too.
    await page.go_back()
    profile = page.locator("#chart-profile .chart")
    await expect(profile.locator("svg")).to_be_visible()
    first_key = await profile.evaluate("el => JSON.parse(el.dataset.option).portal.keys[0]")
    # The bars grow in for a second: click once they stand where a user would see them.
    await profile.evaluate(
        """el => new Promise(done => {
            echarts.getInstanceByDom(el).on("finished", done);
            setTimeout(done, 3000);  // drawn already: no more "finished" comes
        })"""
    )
    # The middle of the first bar, in the chart's own coordinates.
    x, y = await profile.evaluate(
        """el => {
            const chart = echarts.getInstanceByDom(el), bar = chart.getOption().series[0].data[0];
            return chart.convertToPixel({seriesIndex: 0}, [bar.value / 2, 0]);
        }"""
    )
    await profile.scroll_into_view_if_needed()
    frame = await profile.bounding_box()
    assert frame is not None
    await page.mouse.click(frame["x"] + x, frame["y"] + y)
    await page.wait_for_url(re.compile(rf"/analyse/kennzahl/{first_key}\?"))
    assert errors == []


# The area of the profile chart's shapes in the first frame after it appears, and 1.5 s later.
GROWTH = """() => {
  window.portalAreas = [];
  const svg = () => document.querySelector("#chart-profile .chart svg");
  const area = () => [...svg().querySelectorAll("path")]
    .map(p => p.getBBox()).reduce((sum, box) => sum + box.width * box.height, 0);
  const watch = new MutationObserver(() => {
    if (!svg() || !svg().querySelector("path")) return;
    watch.disconnect();
    requestAnimationFrame(() => {
      window.portalAreas.push(area());
      setTimeout(() => window.portalAreas.push(area()), 1500);
    });
  });
  document.addEventListener("DOMContentLoaded", () => watch.observe(document.body, {childList: true, subtree: true}));
}"""


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
async def test_charts_grow_in_only_for_readers_who_did_not_ask_for_less_motion(
    browser: Browser, portal: str, outbox: Outbox, motion: str
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", SIZES["desktop"])
    await page.emulate_media(reduced_motion=motion)  # type: ignore[arg-type]
    await page.add_init_script(f"({GROWTH})()")
    await page.goto("/analyse")
    await page.wait_for_function("() => window.portalAreas && window.portalAreas.length === 2", timeout=15_000)
    first, settled = await page.evaluate("window.portalAreas")
    if motion == "reduce":
        assert first == pytest.approx(settled, rel=0.01), "drawn whole in its first frame"
    else:
        assert first < 0.9 * settled, "the bars grow in"


async def test_staff_open_the_analysis_of_a_partner_in_their_territory_and_are_refused_others(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page, errors = await _open(browser, portal, outbox, "gebiet-sued", "desktop", "/analyse")
    choice = page.locator("#partner option")
    numbers = [n.split(" ")[0] for n in await choice.all_inner_texts()]
    assert "1005" in numbers and "1001" not in numbers, "only partners in the territory to pick"
    assert "Wählen Sie oben einen Partner" in await page.locator("#chart-profile").inner_text()
    await page.select_option("#partner", "1005")
    await page.wait_for_url(re.compile(r"partner=1005"))
    await expect(page.locator("h1")).to_contain_text("1005")
    own = page.locator('tr[data-key="revenue_total"] td').nth(1)
    assert re.search(r"\d", await own.inner_text()), "the partner's own value stands in the table"
    await expect(page.locator("#chart-profile .chart svg")).to_be_visible()
    refused = await page.goto("/analyse?partner=1001")
    assert refused is not None and refused.status == 403
    assert "nicht in Ihrem Bereich" in await page.locator("main").inner_text()
    assert [e for e in errors if "403" not in e] == []


async def test_the_keyboard_reaches_the_report_prompt_the_table_and_the_entry(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", SIZES["desktop"])

    async def tab_to(selector: str, limit: int = 80) -> None:
        for _ in range(limit):
            await page.keyboard.press("Tab")
            if await page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
                outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"{selector} shows where the focus is"
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to("#report-prompt a.button")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/erfassung/1001/\d{4}-\d{2}$"))
    await tab_to("form input[type=text], form input[inputmode]")
    await page.goto("/analyse")
    await tab_to('.analysis-table tbody th a[href*="/analyse/kennzahl/"]')
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/analyse/kennzahl/"))


AXE_PAGES = {
    "gf1001": ["/", "/analyse", "/analyse/kennzahl/gross_margin", "/erfassung"],
    "gebiet-sued": ["/", "/analyse?partner=1005", "/zentrale/kennzahlen", "/zentrale/ziele", "/zentrale/meldungen"],
}


@pytest.mark.parametrize("user", list(AXE_PAGES))
async def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(
    browser: Browser, portal: str, outbox: Outbox, user: str
) -> None:
    # axe is injected as a script of its own, which the portal's content security policy rightly refuses.
    page = await signed_in(browser, portal, outbox, user, SIZES["desktop"], bypass_csp=True)
    found = {}
    for path in AXE_PAGES[user]:
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
        await page.add_script_tag(path=str(AXE))
        violations = await page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                 .filter(v => v.impact === "serious" || v.impact === "critical")
                 .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
        )
        if violations:
            found[path] = violations
    assert found == {}
