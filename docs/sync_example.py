"""Keeping the portal's users and partner master data in step with the Zentrale's own systems.

An example for the Zentrale's IT, using only the documented API (README: "Partnerverwaltung", the
administration API). It creates three users with their territories (or corrects them if they exist) and
replaces a partner's contacts. Run against a portal with an administrator's personal token:

    PORTAL_URL=http://127.0.0.1:8000 PORTAL_TOKEN=ppt_... python docs/sync_example.py

It prints what it did and each new user's one-time password (to be handed over in person; the
user sets a new password at the first sign-in). Any refused value stops it with the portal's
message, which names the field.
"""

from __future__ import annotations

import os
import sys

import httpx

# What the Zentrale's HR system says: who works in the field, and where.
STAFF = [
    {"username": "gebiet-nord", "name": "Nora Nord", "phone": "+49 171 5550401", "territories": ["NORD"]},
    {"username": "gebiet-ost", "name": "Olaf Ost", "phone": "+49 171 5550402", "territories": ["OST"]},
    {"username": "gebiet-west", "name": "Wiebke West", "phone": "+49 171 5550403", "territories": ["WEST"]},
]
# What the CRM says about one dealer's people.
PARTNER = 1001
CONTACTS = [
    {"name": "Hanna Hof", "role": "Geschäftsführerin", "phone": "+49 431 123450", "email": "hanna.hof@example.org"},
    {
        "name": "Tim Teil",
        "role": "Teiledienst",
        "phone": "+49 431 123455",
        "email": "teile@example.org",
        "consent": True,
    },
]


def check(answer: httpx.Response) -> dict[str, object]:
    if answer.status_code >= 400:
        sys.exit(f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}")
    return answer.json()  # type: ignore[no-any-return]


def main() -> None:
    url, token = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000"), os.environ.get("PORTAL_TOKEN", "")
    if not token:
        sys.exit("PORTAL_TOKEN fehlt: ein persönliches Zugriffstoken der Administration (Mein Konto → Zugriffstoken).")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api:
        classes = {c["key"] for c in check(api.get("/api/v1/classes"))}  # type: ignore[union-attr]
        assert "territory_manager" in classes, classes
        existing = {u["username"] for u in check(api.get("/api/v1/users"))}  # type: ignore[union-attr]
        for person in STAFF:
            body = {"name": person["name"], "phone": person["phone"], "territories": person["territories"]}
            if person["username"] in existing:
                check(api.patch(f"/api/v1/users/{person['username']}", json=body))
                print(f"geändert: {person['username']} ({', '.join(person['territories'])})")
            else:
                made = check(
                    api.post(
                        "/api/v1/users", json={**body, "username": person["username"], "classes": ["territory_manager"]}
                    )
                )
                print(f"angelegt: {made['username']} – Einmalpasswort: {made['one_time_password']}")
        partner = check(api.patch(f"/api/v1/partners/{PARTNER}", json={"contacts": CONTACTS}))
        print(f"Partner {PARTNER}: {len(partner['contacts'])} Kontakte")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
