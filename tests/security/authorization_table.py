"""Who may reach which route, per demo user: the table the rights matrix test walks (deny by default).

A row is (method, route) -> the users allowed; for partner-scoped routes a dict per partner number.
Sample ids (a task, a visit, a room ...) are made by the test (`samples`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kpi.months import add_months, format_month, month_of
from tests.support.personas import EVERYONE

ALL = set(EVERYONE)
ZENTRALE_VIEW = {"admin", "vertrieb", "gebiet-sued", "debitoren"}
ADMIN = {"admin"}
NOBODY: set[str] = set()
CHAT = {"gf1001", "gf1002", "moderator"}  # the managing directors of the sample partners and the moderator
PUBLIC = "public"
PERIOD = format_month(add_months(month_of(date.today()), -1))
# A task about partner 1001 given by the admin to gf1001: its assignee, its creator, and the Zentrale
# staff who see 1001 may open it; 1001's accountant, gf1002 and Süd's manager may not (404).
TASK_READERS = {"admin", "vertrieb", "debitoren", "gf1001"}
# A visit at partner 1001 planned by vertrieb with gf1001 invited: its organizer and invitee, and the
# Zentrale staff who see 1001, may open it; of these, the Zentrale's planners may change it.
APPOINTMENT_READERS = {"admin", "vertrieb", "debitoren", "gf1001"}
PLANNERS = {"admin", "vertrieb", "gebiet-sued", "debitoren"}
APPOINTMENT_EDITORS = APPOINTMENT_READERS & PLANNERS
# A file in partner 1001's exchange folder, put there by gf1001: the partner's users and the Zentrale
# staff who see 1001; not Süd's manager, gf1002 or the moderator.
EXCHANGE_READERS = {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"}
DOCUMENT_PUBLISHERS = {"admin", "vertrieb", "gebiet-sued"}

# (method, route) -> who may; for partner-scoped routes a dict per partner number.
EXPECTED: dict[tuple[str, str], Any] = {
    ("GET", "/"): ALL,
    ("GET", "/partner"): ZENTRALE_VIEW,
    ("GET", "/erfassung"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("GET", "/erfassung/{partner_no:int}/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("POST", "/erfassung/{partner_no:int}/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("POST", "/erfassung/{partner_no:int}/{period:str}/vorschau"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/import"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("POST", "/import/pruefen"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("POST", "/import/uebernehmen"): {"admin", "gf1001", "gf1002", "bh1001"},
    ("GET", "/erfassung/{partner_no:int}/vorlage/{year:int}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/analyse"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/export/{fmt:str}"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/verlauf"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/analyse/kennzahl/{key:str}"): {"admin", "vertrieb", "gebiet-sued", "gf1001", "gf1002"},
    ("GET", "/analyse/diagramm/{chart_id:str}"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/zentrale/ziele"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/zentrale/ziele/partner/{partner_no:int}/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("POST", "/zentrale/ziele/partner/{partner_no:int}/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("GET", "/zentrale/ziele/import"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/zentrale/ziele/vorlage/{year:int}"): {"admin", "vertrieb", "gebiet-sued"},
    ("POST", "/zentrale/ziele/import/pruefen"): {"admin", "vertrieb", "gebiet-sued"},
    ("POST", "/zentrale/ziele/import/uebernehmen"): {"admin", "vertrieb", "gebiet-sued"},
    ("GET", "/ziele"): {"gf1001", "gf1002"},
    ("POST", "/ziele/{year:int}/bestaetigen"): {"gf1001", "gf1002"},
    ("GET", "/zentrale/meldungen"): {"admin", "vertrieb", "gebiet-sued", "debitoren"},
    ("GET", "/zentrale/kennzahlen"): {"admin", "vertrieb", "gebiet-sued", "debitoren"},
    # Zentrale staff who view partners talk with them in conversations (not in the group rooms).
    ("GET", "/chat"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/ungelesen"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/suche"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/teilen"): CHAT | ZENTRALE_VIEW,
    ("POST", "/chat/teilen"): CHAT | ZENTRALE_VIEW,
    ("GET", "/chat/gespraech"): {"admin", "vertrieb", "debitoren", "gf1001"},  # ?partner=1001: who talks with 1001
    ("GET", "/chat/{room_id:int}"): CHAT,
    ("GET", "/chat/{room_id:int}/verlauf"): CHAT,
    ("POST", "/chat/{room_id:int}"): CHAT,
    # The sample message is gf1001's: only its author edits or deletes it, only moderators remove it.
    ("POST", "/chat/nachricht/{message_id:int}/bearbeiten"): {"gf1001"},
    ("POST", "/chat/nachricht/{message_id:int}/loeschen"): {"gf1001"},
    ("POST", "/chat/nachricht/{message_id:int}/entfernen"): {"moderator"},
    ("POST", "/chat/{room_id:int}/anheften"): {"moderator"},
    ("POST", "/chat/{room_id:int}/stumm"): {"moderator"},
    ("POST", "/chat/{room_id:int}/einstellungen"): {"moderator"},
    ("POST", "/chat/raeume"): {"moderator"},
    ("GET", "/api/v1/chat/rooms"): ALL,
    ("GET", "/zentrale/partner/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren"},
        "1005": {"admin", "vertrieb", "debitoren", "gebiet-sued"},
    },
    ("GET", "/konto"): ALL,
    ("POST", "/konto/sitzungen/{session_id:int}/beenden"): NOBODY,  # another user's session
    ("POST", "/konto/sitzungen/andere-beenden"): ALL,
    ("POST", "/konto/token"): ALL,
    ("POST", "/konto/token/{token_id:int}/widerrufen"): NOBODY,  # another user's token
    ("POST", "/admin/benutzer/{user_id:int}/token/{token_id:int}/widerrufen"): NOBODY,  # not that user's token
    ("GET", "/konto/passwort"): ALL,
    ("POST", "/konto/passwort"): ALL,
    ("GET", "/konto/telefon"): ALL,
    ("POST", "/konto/telefon"): ALL,
    ("POST", "/konto/telefon/code"): ALL,
    ("GET", "/konto/app"): ALL,
    ("POST", "/konto/app"): ALL,
    ("POST", "/konto/app/entfernen"): ALL,
    ("POST", "/konto/wiederherstellung"): ALL,
    ("GET", "/api/v1/metrics"): ALL,
    ("GET", "/api/v1/groups"): ALL,
    ("GET", "/api/v1/territories"): ALL,
    ("GET", "/api/v1/partners"): ALL,  # each sees the partners of its job (tests/network/test_master_data_api.py)
    ("GET", "/api/v1/benchmark"): {"admin", "vertrieb", "gebiet-sued", "debitoren", "gf1001", "gf1002"},
    ("GET", "/api/v1/partners/{partner_no:int}/figures/{period:str}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PUT", "/api/v1/partners/{partner_no:int}/figures/{period:str}"): {
        "1001": {"admin", "gf1001", "bh1001"},
        "1002": {"admin", "gf1002"},
    },
    ("GET", "/api/v1/partners/{partner_no:int}/targets/{year:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PUT", "/api/v1/partners/{partner_no:int}/targets/{year:int}"): {
        "1001": {"admin", "vertrieb"},
        "1002": {"admin", "vertrieb"},
    },
    ("POST", "/api/v1/partners/{partner_no:int}/targets/{year:int}/agreement"): {
        "1001": {"gf1001"},
        "1002": {"gf1002"},
    },
    ("GET", "/api/v1/partners/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("PATCH", "/api/v1/partners/{partner_no:int}"): {"1001": {"admin"}, "1002": {"admin"}},
    ("GET", "/api/v1/tasks"): ALL,
    ("POST", "/api/v1/tasks"): ALL,
    ("GET", "/api/v1/tasks/{task_id:int}"): TASK_READERS,
    ("PATCH", "/api/v1/tasks/{task_id:int}"): TASK_READERS,
    ("GET", "/aufgaben"): ALL,
    ("GET", "/aufgaben/neu"): ALL,
    ("POST", "/aufgaben/neu"): ALL,
    ("GET", "/aufgaben/{task_id:int}"): TASK_READERS,
    ("GET", "/aufgaben/partner/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("POST", "/aufgaben/{task_id:int}"): TASK_READERS,
    ("POST", "/aufgaben/{task_id:int}/anhang"): TASK_READERS,
    ("GET", "/aufgaben/{task_id:int}/anhang/{attachment_id:int}"): TASK_READERS,
    ("GET", "/kalender"): ALL,
    ("GET", "/kalender/abo"): ALL,
    ("POST", "/kalender/abo"): ALL,
    ("GET", "/kalender/neu"): PLANNERS,
    ("POST", "/kalender/neu"): PLANNERS,
    ("GET", "/kalender/termine/{appointment_id:int}"): APPOINTMENT_READERS,
    ("GET", "/kalender/termine/{appointment_id:int}/ics"): APPOINTMENT_READERS,
    ("POST", "/kalender/termine/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("POST", "/kalender/termine/{appointment_id:int}/absagen"): APPOINTMENT_EDITORS,
    ("POST", "/kalender/termine/{appointment_id:int}/bericht"): APPOINTMENT_EDITORS,
    ("GET", "/kalender/feed/{token:str}"): PUBLIC,  # the secret token is the key (tests/calendar)
    ("GET", "/dokumente"): ALL,
    ("GET", "/dokumente/neu"): DOCUMENT_PUBLISHERS,
    ("POST", "/dokumente/neu"): DOCUMENT_PUBLISHERS,
    ("GET", "/dokumente/{document_id:int}"): EXCHANGE_READERS,
    ("POST", "/dokumente/{document_id:int}/gelesen"): EXCHANGE_READERS,
    ("POST", "/dokumente/{document_id:int}/fassung"): EXCHANGE_READERS,
    ("GET", "/dokumente/{document_id:int}/datei"): EXCHANGE_READERS,
    ("GET", "/dokumente/austausch"): {"gf1001", "gf1002", "bh1001"},
    ("GET", "/dokumente/austausch/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("POST", "/dokumente/austausch/{partner_no:int}"): {
        "1001": {"admin", "vertrieb", "debitoren", "gf1001", "bh1001"},
        "1002": {"admin", "vertrieb", "debitoren", "gf1002"},
    },
    ("GET", "/api/v1/documents"): ALL,
    ("POST", "/api/v1/documents"): ALL,
    ("GET", "/api/v1/documents/{document_id:int}"): EXCHANGE_READERS,
    ("GET", "/api/v1/documents/{document_id:int}/file"): EXCHANGE_READERS,
    ("POST", "/api/v1/documents/{document_id:int}/versions"): EXCHANGE_READERS,
    ("POST", "/api/v1/documents/{document_id:int}/confirmation"): EXCHANGE_READERS,
    ("GET", "/api/v1/documents/{document_id:int}/readers"): {"admin", "vertrieb", "debitoren"},
    ("GET", "/api/v1/appointments"): ALL,
    ("POST", "/api/v1/appointments"): PLANNERS,
    ("PATCH", "/api/v1/appointments/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("DELETE", "/api/v1/appointments/{appointment_id:int}"): APPOINTMENT_EDITORS,
    ("GET", "/api/v1/me/calendar"): ALL,
    ("GET", "/api/v1/notifications"): ALL,
    ("POST", "/api/v1/notifications/read"): ALL,
    ("GET", "/benachrichtigungen"): ALL,
    ("GET", "/benachrichtigungen/anzahl"): ALL,
    ("POST", "/benachrichtigungen/gelesen"): ALL,
    ("GET", "/benachrichtigungen/{notification_id:int}"): ALL,  # someone else's id leads to one's own list
    ("POST", "/benachrichtigungen/email"): ALL,
    ("POST", "/logout"): ALL,  # checked by its effect: afterwards the session is gone
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/code"): PUBLIC,
    ("POST", "/login/code"): PUBLIC,
    ("POST", "/login/code/sms"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    **{
        ("GET", path): PUBLIC
        for path in (
            "/schema",
            "/schema/openapi.json",
            "/schema/openapi.yaml",
            "/schema/openapi.yml",
            "/schema/{path:str}",
        )
    },
    **{
        (method, path): ADMIN
        for method, path in (
            ("GET", "/admin"),
            ("GET", "/api/v1/classes"),
            ("POST", "/api/v1/imports/{kind:str}"),
            ("GET", "/api/v1/users"),
            ("POST", "/api/v1/users"),
            ("GET", "/api/v1/users/{username:str}"),
            ("PATCH", "/api/v1/users/{username:str}"),
            ("GET", "/admin/protokoll"),
            ("GET", "/admin/einstellungen"),
            ("POST", "/admin/einstellungen"),
            ("POST", "/admin/einstellungen/kennzahlen"),
            ("GET", "/admin/lieferantendaten"),
            ("POST", "/admin/lieferantendaten/pruefen"),
            ("POST", "/admin/lieferantendaten/uebernehmen"),
            ("GET", "/admin/lieferantendaten/laeufe/{run_id:int}"),
            ("POST", "/admin/lieferantendaten/quellen"),
            ("GET", "/admin/benutzer"),
            ("GET", "/admin/benutzer/neu"),
            ("POST", "/admin/benutzer/neu"),
            ("GET", "/admin/benutzer/{user_id:int}"),
            ("POST", "/admin/benutzer/{user_id:int}"),
            ("POST", "/admin/benutzer/{user_id:int}/deaktivieren"),
            ("POST", "/admin/benutzer/{user_id:int}/aktivieren"),
            ("POST", "/admin/benutzer/{user_id:int}/passwort"),
            ("POST", "/admin/benutzer/{user_id:int}/zweiter-faktor"),
            ("POST", "/admin/benutzer/{user_id:int}/entsperren"),
            ("GET", "/admin/berechtigungen"),
            ("POST", "/admin/berechtigungen"),
            ("GET", "/admin/berechtigungen/{class_id:int}"),
            ("POST", "/admin/berechtigungen/{class_id:int}"),
            ("POST", "/admin/berechtigungen/{class_id:int}/rechte"),
            ("POST", "/admin/berechtigungen/{class_id:int}/rechte/{grant_id:int}/entfernen"),
            ("GET", "/admin/partner"),
            ("GET", "/admin/partner/neu"),
            ("POST", "/admin/partner/neu"),
            ("GET", "/admin/partner/{partner_id:int}"),
            ("GET", "/admin/partner/{partner_id:int}/stammdaten"),
            ("POST", "/admin/partner/{partner_id:int}/stammdaten"),
            ("POST", "/admin/partner/{partner_id:int}"),
            ("POST", "/admin/partner/{partner_id:int}/deaktivieren"),
            ("POST", "/admin/partner/{partner_id:int}/aktivieren"),
            ("GET", "/admin/gebiete"),
            ("POST", "/admin/gebiete/neu"),
            ("GET", "/admin/gebiete/{territory_id:int}"),
            ("POST", "/admin/gebiete/{territory_id:int}"),
            ("POST", "/admin/gebiete/{territory_id:int}/deaktivieren"),
            ("POST", "/admin/gebiete/{territory_id:int}/aktivieren"),
            ("GET", "/admin/gruppen"),
            ("GET", "/admin/gruppen/neu"),
            ("POST", "/admin/gruppen/neu"),
            ("POST", "/admin/gruppen/vorschau"),
            ("GET", "/admin/gruppen/{group_id:int}"),
            ("POST", "/admin/gruppen/{group_id:int}"),
            ("POST", "/admin/gruppen/{group_id:int}/deaktivieren"),
            ("POST", "/admin/gruppen/{group_id:int}/aktivieren"),
        )
    },
}
