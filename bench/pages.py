"""Server time of the analysis page and of chart fragments, with 1,000 partners and 36 months of data.

Set-up (in a temp dir): `portal demo-data --partners 1000` into a fresh SQLite file (or a
copy of --cache), `portal serve` as a subprocess on a free port of 127.0.0.1, SMS outbox.
A managing director (gf1001) signs in as a browser does: password form, then the code
from the SMS outbox, CSRF field `_csrf_token` on both forms.

"Server time" is the round trip of one GET on 127.0.0.1 with a keep-alive httpx client,
requests one after another (no concurrency), so it is the server's time plus a loopback
hop. Each URL is first requested --warmup times (the first request of a group, month and
span may make the group's release; those times are printed apart), then --requests times
for p50/p95.

`--tasks N` adds N tasks (spread over the partners' managing directors, some given to the
Zentrale's staff, a tenth overdue) and a notification for each before the server starts: the
lists of issue 26 (`/aufgaben`, `/api/v1/tasks`, `/benachrichtigungen`) are then measured with
as many rows as a network of 1,000 partners has after a busy year.

`--documents N` adds N library documents (a third for every managing director, a third for one
territory, a third for three partners; each with its text for the search) and a read
confirmation by each director of every thirtieth (one for them all): `/dokumente`, `/dokumente?q=…` and
`/api/v1/documents` are then measured over a library of that size.

Run: .venv/bin/python bench/pages.py [--partners 1000] [--requests 50] [--warmup 5]
     [--url /analyse --url /analyse/diagramm/mix ...] [--user gf1001]
     [--cache /tmp/portal-demo-1000.sqlite3] [--tasks 50000] [--documents 5000]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from portal_setup import Workspace, build_demo, serving, workspace

from app.demo.people import DEMO_PASSWORD

DEFAULT_URLS = ["/analyse", "/analyse/diagramm/mix", "/analyse/verlauf?kennzahl=revenue_total"]
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def csrf_of(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    if match is None:
        raise RuntimeError(f"no _csrf_token on {page.url}")
    return match.group(1)


def last_code(outbox: Path) -> str:
    lines = outbox.read_text(encoding="utf-8").splitlines()
    return str(CODE.findall(json.loads(lines[-1])["text"])[0])


def sign_in(http: httpx.Client, ws: Workspace, username: str) -> None:
    """Password step, then the SMS code step, as the browser does."""
    page = http.get("/login")
    answer = http.post("/login", data={"username": username, "password": DEMO_PASSWORD, "_csrf_token": csrf_of(page)})
    if answer.status_code != 303:
        raise RuntimeError(f"password step answered {answer.status_code}")
    page = http.get("/login/code")
    answer = http.post("/login/code", data={"code": last_code(ws.sms_outbox), "_csrf_token": csrf_of(page)})
    if answer.status_code != 303 or http.get("/").status_code != 200:
        raise RuntimeError(f"code step answered {answer.status_code}")


def timed_get(http: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = http.get(url)
    return time.perf_counter() - start, response


def measure(http: httpx.Client, url: str, warmup: int, requests: int) -> None:
    cold = []
    for _ in range(warmup):
        seconds, response = timed_get(http, url)
        if response.status_code != 200:
            print(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
            return
        cold.append(seconds)
    samples = [timed_get(http, url)[0] for _ in range(requests)]
    p50, p95 = np.percentile(np.array(samples) * 1000, [50, 95])
    print(
        f"{url}\n  {len(response.content) / 1024:.0f} KiB; p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
        f"max {max(samples) * 1000:.1f} ms  ({requests} requests; warm-up: "
        + ", ".join(f"{s * 1000:.0f}" for s in cold)
        + " ms)"
    )


def add_tasks(ws: Workspace, count: int) -> float:
    """`count` tasks and as many notifications, written straight into the SQLite file; seconds taken."""
    started = time.monotonic()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(ws.database) as db:
        directors = db.execute(
            "select u.id, u.partner_id from users u where u.username like 'gf%' order by u.id"
        ).fetchall()
        staff = [row[0] for row in db.execute("select id from users where partner_id is null")]
        today = date.today()
        tasks, notes = [], []
        for i in range(count):
            user, partner = directors[i % len(directors)]
            assignee = staff[(i // 5) % len(staff)] if i % 5 == 4 else user  # a fifth to the Zentrale
            due = (today + timedelta(days=(i % 120) - 12)).isoformat()
            tasks.append((f"Aufgabe {i}", partner, assignee, staff[i % len(staff)], due, now, now))
            notes.append((assignee, f"Neue Aufgabe: Aufgabe {i}", now))
        db.executemany(
            "insert into tasks (title, description, partner_id, assignee_id, created_by_id, due, priority,"
            " status, created_at, updated_at) values (?, '', ?, ?, ?, ?, 'normal', 'open', ?, ?)",
            tasks,
        )
        db.executemany(
            "insert into notifications (user_id, kind, title, url, at) values (?, 'task_assigned', ?, '/aufgaben', ?)",
            notes,
        )
        db.execute("analyze")
    return time.monotonic() - started


def add_documents(ws: Workspace, count: int) -> float:
    """`count` library documents with audiences and read confirmations, straight into the SQLite file."""
    started = time.monotonic()
    now = datetime.now(UTC)
    with sqlite3.connect(ws.database) as db:
        partners = [row[0] for row in db.execute("select id from partners order by id")]
        codes = [row[0] for row in db.execute("select code from territories where level != 'network'")]
        directors = [row[0] for row in db.execute("select id from users where username like 'gf%'")]
        db.execute("insert or ignore into file_contents (sha256, content) values ('bench', x'255044462d')")
        for i in range(count):
            at = (now - timedelta(minutes=count - i)).strftime("%Y-%m-%d %H:%M:%S.%f")
            text = f"Rundschreiben {i} Preisliste Ersatzteile Modell X{i % 97} Garantie Ausstellung"
            file_id = db.execute(
                "insert into stored_files (sha256, filename, media_type, size, text, uploaded_at)"
                " values ('bench', ?, 'application/pdf', 5, ?, ?)",
                (f"dokument-{i}.pdf", text, at),
            ).lastrowid
            doc = db.execute(
                "insert into documents (title, description, circular, version, file_id, search, created_at, updated_at)"
                " values (?, '', ?, 1, ?, ?, ?, ?)",
                (f"Dokument {i}", i % 2, file_id, f"dokument {i} {text}".casefold(), at, at),
            ).lastrowid
            kind = i % 3
            audience = (
                [("class", "managing_director")]
                if kind == 0
                else [("territory", codes[i % len(codes)])]
                if kind == 1
                else [("partner", str(partners[(i * 7 + k) % len(partners)])) for k in range(3)]
            )
            db.executemany(
                "insert into document_audiences (document_id, kind, ref) values (?, ?, ?)",
                [(doc, k, r) for k, r in audience],
            )
            if i % 10 == 0 and kind == 0:
                db.executemany(
                    "insert into document_reads (document_id, user_id, opened_at, confirmed_version, confirmed_at)"
                    " values (?, ?, ?, 1, ?)",
                    [(doc, user, at, at) for user in directors],
                )
        db.execute("analyze")
    return time.monotonic() - started


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--url", action="append", help=f"path to measure, repeatable (default: {DEFAULT_URLS})")
    parser.add_argument("--user", default="gf1001")
    parser.add_argument("--cache", type=Path, help="copy the demo database from here (built there if missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server.log)")
    parser.add_argument("--tasks", type=int, default=0, help="add this many tasks and notifications first")
    parser.add_argument("--documents", type=int, default=0, help="add this many library documents first")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    started = time.monotonic()
    with workspace(args.keep) as ws:
        build_s = build_demo(ws, args.partners, args.months, args.cache)
        print(f"demo data ({args.partners} partners, {args.months} months): {build_s:.1f} s")
        if args.tasks:
            print(f"{args.tasks} tasks and notifications added: {add_tasks(ws, args.tasks):.1f} s")
        if args.documents:
            print(f"{args.documents} documents added: {add_documents(ws, args.documents):.1f} s")
        with serving(ws) as url, httpx.Client(base_url=url, timeout=120) as http:
            sign_in(http, ws, args.user)
            print(f"signed in as {args.user}; sequential GETs over one keep-alive connection on 127.0.0.1")
            for path in args.url or DEFAULT_URLS:
                measure(http, path, args.warmup, args.requests)
    print(f"total run time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
