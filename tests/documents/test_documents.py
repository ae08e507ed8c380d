"""The document library: a circular reaches exactly its audience and its unread list shrinks as they
confirm; uploads are checked; the text is searchable; exchange folders stay between a partner and
its Zentrale staff; downloads are audited."""

from __future__ import annotations

import sqlite3

import httpx

from tests.support.files import docx_with, pdf_with, zip_bomb
from tests.support.personas import SignIn, csrf_field


async def _publish(client: httpx.AsyncClient, name: str, content: bytes, **fields: str) -> httpx.Response:
    return await client.post("/api/v1/documents", data=fields, files={"file": (name, content)})


def _ids(page: httpx.Response) -> list[int]:
    assert page.status_code == 200, page.text
    return [d["id"] for d in page.json()["items"]]


async def test_a_circular_reaches_exactly_its_audience_and_the_unread_list_shrinks(
    api: dict[str, httpx.AsyncClient],
) -> None:
    made = await _publish(
        api["vertrieb"],
        "rundschreiben.pdf",
        pdf_with("Neue Garantiebedingungen ab Januar"),
        title="Garantiebedingungen 2027",
        circular="1",
        territories="NORD-SH",
        folder="Rundschreiben",
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    assert doc["circular"] and doc["folder"] == "Rundschreiben" and doc["audience"]["territories"] == ["NORD-SH"]
    # 1001 lies in Schleswig-Holstein: both its users get it; 1002 (Niedersachsen) does not.
    for who in ("gf1001", "bh1001"):
        assert doc["id"] in _ids(await api[who].get("/api/v1/documents")), who
        notes = (await api[who].get("/api/v1/notifications")).json()["items"]
        assert notes[0]["kind"] == "document" and notes[0]["url"] == f"/dokumente/{doc['id']}", who
    assert doc["id"] not in _ids(await api["gf1002"].get("/api/v1/documents"))
    assert (await api["gf1002"].get(f"/api/v1/documents/{doc['id']}")).status_code == 404
    assert (await api["gf1002"].get(f"/api/v1/documents/{doc['id']}/file")).status_code == 404
    notes = (await api["gf1002"].get("/api/v1/notifications")).json()["items"]
    assert f"/dokumente/{doc['id']}" not in [n["url"] for n in notes]
    # Partners do not learn who else got it.
    assert (await api["gf1001"].get(f"/api/v1/documents/{doc['id']}")).json()["audience"] is None

    readers = (await api["vertrieb"].get(f"/api/v1/documents/{doc['id']}/readers")).json()
    partners = (await api["vertrieb"].get("/api/v1/partners")).json()
    in_sh = {p["number"] for p in partners if p["territory"] == "NORD-SH"}
    assert 1001 in in_sh and 1002 not in in_sh
    assert {r["partner"] for r in readers} == in_sh and {r["username"] for r in readers} >= {"gf1001", "bh1001"}
    assert not any(r["confirmed"] for r in readers)
    opened = await api["gf1001"].get(f"/api/v1/documents/{doc['id']}/file")
    assert opened.status_code == 200 and b"Garantiebedingungen" in opened.content
    assert opened.headers["content-type"].startswith("application/pdf")
    assert opened.headers["content-disposition"].startswith("attachment;")
    confirmed = await api["gf1001"].post(f"/api/v1/documents/{doc['id']}/confirmation")
    assert confirmed.status_code == 200 and confirmed.json()["confirmed"] is True
    after = {r["username"]: r for r in (await api["vertrieb"].get(f"/api/v1/documents/{doc['id']}/readers")).json()}
    assert after["gf1001"]["confirmed"] and after["gf1001"]["opened_at"] and not after["bh1001"]["confirmed"]
    assert (await api["gf1001"].get(f"/api/v1/documents/{doc['id']}/readers")).status_code == 404
    # Unconfirmed circulars of the reader: gone for gf1001, still there for bh1001.
    assert doc["id"] not in _ids(await api["gf1001"].get("/api/v1/documents", params={"unconfirmed": "true"}))
    assert doc["id"] in _ids(await api["bh1001"].get("/api/v1/documents", params={"unconfirmed": "true"}))

    # A new version asks for confirmation again; the first stays downloadable.
    second = await api["vertrieb"].post(
        f"/api/v1/documents/{doc['id']}/versions",
        data={"note": "Fristen korrigiert"},
        files={"file": ("rundschreiben-2.pdf", pdf_with("Korrigierte Fristen"))},
    )
    assert second.status_code == 201 and second.json()["version"] == 2
    assert (await api["gf1001"].get(f"/api/v1/documents/{doc['id']}")).json()["confirmed"] is False
    first = await api["gf1001"].get(f"/api/v1/documents/{doc['id']}/file", params={"version": 1})
    assert b"Garantiebedingungen" in first.content


async def test_classes_narrow_the_audience_and_none_means_the_zentrale(api: dict[str, httpx.AsyncClient]) -> None:
    directors = (
        await _publish(api["vertrieb"], "gf.txt", "Nur für die Geschäftsführung".encode(), classes="managing_director")
    ).json()
    internal = (await _publish(api["vertrieb"], "intern.txt", b"Interne Notiz", title="Intern")).json()
    for who in ("gf1001", "gf1002"):
        assert directors["id"] in _ids(await api[who].get("/api/v1/documents")), who
    listed = _ids(await api["bh1001"].get("/api/v1/documents"))
    assert directors["id"] not in listed and internal["id"] not in listed
    assert internal["id"] not in _ids(await api["gf1001"].get("/api/v1/documents"))
    for who in ("gebiet-sued", "debitoren", "admin"):
        assert internal["id"] in _ids(await api[who].get("/api/v1/documents")), who


async def test_publishing_stays_within_the_publishers_scope(api: dict[str, httpx.AsyncClient]) -> None:
    before = _ids(await api["gf1001"].get("/api/v1/documents"))
    outside = await _publish(api["gebiet-sued"], "a.txt", b"Text", title="Nord", partners="1001")
    assert outside.status_code == 422 and "außerhalb Ihres Bereichs" in outside.text
    south = await _publish(api["gebiet-sued"], "a.txt", b"Text", title="Sued", territories="SUED")
    assert south.status_code == 201, south.text
    for who in ("debitoren", "gf1001"):
        # debitoren may not publish; a partner's own upload lands in its exchange folder, never in the library.
        refused = await _publish(api[who], "a.txt", b"Text", title="X", territories="SUED")
        assert refused.status_code == 422, who
    unknown = await _publish(api["vertrieb"], "a.txt", b"Text", title="X", partners="1001, 99999", groups="77")
    assert unknown.status_code == 422
    fields = {e["key"] for e in unknown.json()["extra"]}
    assert fields == {"partners", "groups"}
    assert _ids(await api["gf1001"].get("/api/v1/documents")) == before


async def test_uploads_are_checked_and_a_refused_one_changes_nothing(api: dict[str, httpx.AsyncClient]) -> None:
    before = _ids(await api["vertrieb"].get("/api/v1/documents"))
    cases = {
        "programm.exe": (b"MZ\x90\x00" + b"\x00" * 100, "nimmt das Portal nicht an"),
        "getarnt.pdf": (b"MZ\x90\x00 not a pdf", "keine echte PDF-Datei"),
        "seite.txt": (b"<!DOCTYPE html><script>alert(1)</script>", "HTML"),
        "makro.docx": (docx_with("Makro", macros=True), "Makros"),
        "bombe.docx": (zip_bomb(), "entpackt sich"),
        "leer.pdf": (b"", "leer"),
        "gross.pdf": (b"%PDF-" + b"0" * (20 * 1024 * 1024), "größer als 20 MB"),
    }
    for name, (content, reason) in cases.items():
        refused = await _publish(api["vertrieb"], name, content, title=name)
        assert refused.status_code in (413, 422), (name, refused.status_code)
        if refused.status_code == 422:
            assert reason in refused.text, (name, refused.text)
    assert _ids(await api["vertrieb"].get("/api/v1/documents")) == before


async def test_search_finds_words_in_titles_and_in_the_files(api: dict[str, httpx.AsyncClient]) -> None:
    pdf = (
        await _publish(api["vertrieb"], "preise.pdf", pdf_with("Rasenmaeher Modellreihe X500"), title="Preise")
    ).json()
    word = (
        await _publish(
            api["vertrieb"], "vertrag.docx", docx_with("Anlage Händlervertrag Ersatzteilversorgung"), title="Vertrag"
        )
    ).json()
    for query, wanted in (
        ("modellreihe x500", pdf["id"]),
        ("ERSATZTEILVERSORGUNG", word["id"]),
        ("vertrag", word["id"]),
    ):
        found = _ids(await api["vertrieb"].get("/api/v1/documents", params={"q": query}))
        assert wanted in found, query
    assert _ids(await api["vertrieb"].get("/api/v1/documents", params={"q": "Rasenmaeher Ersatzteil"})) == []
    assert _ids(await api["vertrieb"].get("/api/v1/documents", params={"q": "100%_"})) == []


async def test_the_exchange_folder_stays_between_the_partner_and_its_staff(
    api: dict[str, httpx.AsyncClient], sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    signed = await _publish(api["gf1001"], "vertrag-unterschrieben.pdf", pdf_with("Unterschrift"), title="Vertrag")
    assert signed.status_code == 201, signed.text
    doc = signed.json()
    assert doc["exchange_partner"] == 1001 and doc["folder"] is None
    for who in ("vertrieb", "bh1001"):
        assert doc["id"] in _ids(await api[who].get("/api/v1/documents", params={"partner": 1001})), who
    # gebiet-sued looks after the south, not 1001; gf1002 is another business.
    for who in ("gf1002", "gebiet-sued"):
        assert doc["id"] not in _ids(await api[who].get("/api/v1/documents")), who
        assert (await api[who].get(f"/api/v1/documents/{doc['id']}/file")).status_code == 404, who
        version = await api[who].post(
            f"/api/v1/documents/{doc['id']}/versions", files={"file": ("x.pdf", pdf_with("fremd"))}
        )
        assert version.status_code == 404, who
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1002")
        assert (await browser.get(f"/dokumente/{doc['id']}")).status_code == 404
        assert (await browser.get(f"/dokumente/{doc['id']}/datei")).status_code == 404
        assert (await browser.get("/dokumente/austausch/1001")).status_code == 404
        page = await browser.get("/dokumente/austausch/1002")
        assert page.status_code == 200
        upload = await browser.post(
            "/dokumente/austausch/1001",
            data={"_csrf_token": csrf_field(page.text), "title": "fremd"},
            files={"file": ("x.pdf", pdf_with("fremd"))},
        )
        assert upload.status_code == 404
        confirm = await browser.post(f"/dokumente/{doc['id']}/gelesen", data={"_csrf_token": csrf_field(page.text)})
        assert confirm.status_code == 404
    # The Zentrale answers into the same folder; the partner hears of it.
    answer = await _publish(api["vertrieb"], "gegengezeichnet.pdf", pdf_with("Gegenzeichnung"), exchange="1001")
    assert answer.status_code == 201 and answer.json()["exchange_partner"] == 1001
    notes = (await api["gf1001"].get("/api/v1/notifications")).json()["items"]
    assert notes[0]["kind"] == "document" and notes[0]["url"] == f"/dokumente/{answer.json()['id']}"
    # Every download is in the audit log, with who and which file.
    await api["vertrieb"].get(f"/api/v1/documents/{doc['id']}/file")
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:
        rows = db.execute(
            "SELECT u.username, a.detail FROM audit_events a JOIN users u ON u.id = a.actor_id"
            " WHERE a.action = 'document.downloaded' AND a.object_id = ?",
            (str(doc["id"]),),
        ).fetchall()
    assert [r[0] for r in rows] == ["vertrieb"] and "vertrag-unterschrieben.pdf" in rows[0][1]


async def test_the_library_pages_publish_and_confirm(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as staff, httpx.AsyncClient(base_url=portal) as director:
        await sign_in(staff, "vertrieb")
        form = await staff.get("/dokumente/neu")
        assert form.status_code == 200
        bad = await staff.post(
            "/dokumente/neu",
            data={"_csrf_token": csrf_field(form.text), "title": "Rundschreiben", "circular": "1"},
            files={"file": ("x.exe", b"MZ")},
        )
        assert bad.status_code == 400 and "Erlaubt sind" in bad.text
        made = await staff.post(
            "/dokumente/neu",
            data={"_csrf_token": csrf_field(form.text), "title": "Messe 2027", "circular": "1", "partners": "1001"},
            files={"file": ("messe.pdf", pdf_with("Messe"))},
        )
        assert made.status_code == 303, made.text
        url = made.headers["location"]
        page = await staff.get(url)
        assert "Noch nicht bestätigt: 2 von 2" in page.text
        await sign_in(director, "gf1001")
        library = await director.get("/dokumente")
        assert "Messe 2027" in library.text
        mine = await director.get(url)
        assert "Gelesen und zur Kenntnis genommen" in mine.text and "Noch nicht bestätigt" not in mine.text
        done = await director.post(f"{url}/gelesen", data={"_csrf_token": csrf_field(mine.text)})
        assert done.status_code == 303
        assert "Noch nicht bestätigt: 1 von 2" in (await staff.get(url)).text
        # A partner user may not publish to the library at all.
        assert (await director.get("/dokumente/neu")).status_code == 403
