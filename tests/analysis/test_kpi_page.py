"""A KPI's own page: opened from the analysis table and from a start-page tile, the month's figures
in the group and 24 months of its course."""

from __future__ import annotations

import html
import re

import httpx

from tests.support.personas import SignIn


async def test_a_kpi_opens_from_the_table_with_its_month_and_24_months_of_course(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        table = (await browser.get("/analyse")).text
        link = re.search(r'<a href="(/analyse/kennzahl/revenue_total\?[^"]+)">Gesamtumsatz</a>', table)
        assert link, "the KPI's name in the table leads to its page"
        page = await browser.get(html.unescape(link.group(1)))
        assert page.status_code == 200 and "<h1>Gesamtumsatz</h1>" in page.text
        assert "Ihr Wert" in page.text and "Median" in page.text and "Vorjahresmonat" in page.text
        assert "Eigene Lage in der Gruppe" in page.text, "where the own value sits in the group"
        course = re.search(r'hx-get="(/analyse/verlauf\?[^"]+)"', page.text)
        assert course
        chart = (await browser.get(html.unescape(course.group(1)))).text
        rows = re.findall(r"<tr><td>\d{2}/\d{4}</td>", chart) or re.findall(r"<tr><td>[^<]*\d{4}[^<]*</td>", chart)
        assert len(rows) == 24, len(rows)
        home = (await browser.get("/")).text
        assert 'href="/analyse/kennzahl/revenue_total"' in home, "a tile leads to the same page"
        assert (await browser.get("/analyse/kennzahl/erfunden")).status_code == 404
    async with httpx.AsyncClient(base_url=portal) as receivables:
        await sign_in(receivables, "debitoren")  # sees receivables, not sales figures
        assert (await receivables.get("/analyse/kennzahl/revenue_total")).status_code == 404
        assert (await receivables.get("/analyse/kennzahl/dso")).status_code == 200
