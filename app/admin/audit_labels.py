"""The audit log in words: each action and each detail as the Zentrale reads them (the stored key
stays in the title, for searching and for the record)."""

from __future__ import annotations

from typing import Any

ACTIONS = {
    "login.ok": "Anmeldung",
    "login.failed": "Anmeldung fehlgeschlagen",
    "login.password_ok": "Passwort richtig, Code gesendet",
    "login.no_second_factor": "Anmeldung ohne zweiten Faktor abgewiesen",
    "login.refused_locked": "Anmeldung abgewiesen (gesperrt)",
    "logout": "Abmeldung",
    "session.ended": "Sitzung beendet",
    "code.sent": "Code gesendet",
    "code.sms_failed": "SMS-Code nicht zugestellt",
    "account.locked": "Konto gesperrt",
    "account.password_changed": "Passwort geändert",
    "account.password_confirm_failed": "Passwortbestätigung fehlgeschlagen",
    "account.phone_changed": "Mobilnummer geändert",
    "account.recovery_codes_renewed": "Wiederherstellungscodes erneuert",
    "account.totp_enabled": "Authenticator-App eingerichtet",
    "account.totp_removed": "Authenticator-App entfernt",
    "token.created": "Zugriffstoken erstellt",
    "token.revoked": "Zugriffstoken widerrufen",
    "user.created": "Benutzer angelegt",
    "user.changed": "Benutzer geändert",
    "user.activated": "Benutzer aktiviert",
    "user.deactivated": "Benutzer deaktiviert",
    "user.password_reset": "Passwort zurückgesetzt",
    "user.second_factor_reset": "Zweiter Faktor zurückgesetzt",
    "user.unlocked": "Benutzer entsperrt",
    "permission_class.created": "Berechtigungsklasse angelegt",
    "permission_class.changed": "Berechtigungsklasse geändert",
    "permission_class.grant_added": "Recht hinzugefügt",
    "permission_class.grant_removed": "Recht entfernt",
    "partner.created": "Partner angelegt",
    "partner.changed": "Partner geändert",
    "partner.master_data_changed": "Stammdaten geändert",
    "territory.created": "Gebiet angelegt",
    "territory.renamed": "Gebiet umbenannt",
    "group.created": "Vergleichsgruppe angelegt",
    "group.changed": "Vergleichsgruppe geändert",
    "figures.saved": "Monatszahlen gespeichert",
    "figures.imported": "Monatszahlen importiert",
    "market.imported": "Marktdaten importiert",
    "targets.set": "Ziele gesetzt",
    "targets.imported": "Ziele importiert",
    "targets.agreed": "Ziele bestätigt",
    "supplier.imported": "Lieferantendaten importiert",
    "supplier.mapping_saved": "Spaltenzuordnung gespeichert",
    "settings.changed": "Einstellung geändert",
    "chat.room_created": "Chatraum angelegt",
    "chat.room_settings": "Chatraum eingestellt",
    "chat.message_removed": "Nachricht entfernt",
    "chat.pinned": "Nachricht angeheftet",
    "chat.user_muted": "Benutzer stummgeschaltet",
    "chat.retention": "Alte Nachrichten gelöscht",
    "document.published": "Dokument bereitgestellt",
    "document.version_added": "Neue Fassung abgelegt",
    "document.downloaded": "Dokument heruntergeladen",
    "document.confirmed": "Rundschreiben bestätigt",
    "task.attachment_added": "Anhang zu Aufgabe",
    "task.attachment_downloaded": "Anhang heruntergeladen",
    "demo.created": "Demo-Netz erzeugt",
}

DETAILS = {
    "username": "Benutzer",
    "name": "Name",
    "reason": "Grund",
    "before": "vorher",
    "after": "nachher",
    "changed": "geändert",
    "changes": "Änderungen",
    "file": "Datei",
    "title": "Titel",
    "version": "Fassung",
    "month": "Monat",
    "period": "Monat",
    "partner": "Partner",
    "classes": "Klassen",
    "territories": "Gebiete",
    "audience": "Empfänger",
    "circular": "Rundschreiben",
    "note": "Notiz",
    "count": "Anzahl",
    "rows": "Zeilen",
    "source": "Quelle",
    "year": "Jahr",
    "kind": "Art",
    "room": "Raum",
    "until": "bis",
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{DETAILS.get(k, k)}: {_value(v)}" for k, v in value.items()) or "–"
    return str(value)


def detail_lines(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Each detail as (label, value in words); long values are cut (the database keeps them whole)."""
    lines = []
    for key, value in (detail or {}).items():
        text = _value(value)
        lines.append((DETAILS.get(key, key), text if len(text) <= 300 else text[:300] + " …"))
    return lines
