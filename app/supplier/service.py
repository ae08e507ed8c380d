"""One import run of a supplier export: checked completely, then stored all or nothing, and listed.

Open items are the accounting system's full list: an item missing from the next list is
settled, one coming back is open again. Claims are kept by their number, purchases summed per
partner, month and product group. Running the same file again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.imports.reading import Cell
from app.models import ImportSource, OpenItem, Partner, Purchase, SupplierImportRun, WarrantyClaim
from app.supplier.records import KINDS, Parsed, Problem, parse_records


@dataclass
class RunResult:
    kind: str
    rows_ok: int = 0
    changes: int = 0
    errors: list[Problem] = field(default_factory=list)
    dry_run: bool = True
    run_id: int | None = None

    @property
    def stored(self) -> bool:
        return not self.dry_run and not self.errors

    def as_json(self) -> dict[str, Any]:
        return {"rows_ok": self.rows_ok, "errors": [asdict(e) for e in self.errors], "changes": self.changes}


@dataclass(frozen=True)
class Origin:
    kind: str  # upload | api | drop
    file_name: str
    sha256: str
    actor_id: int | None = None
    client: str | None = None


async def mapping_for(
    session: AsyncSession, kind: str, source: str | None
) -> tuple[ImportSource | None, dict[str, str]]:
    if not source:
        return None, {}
    found = await session.scalar(select(ImportSource).where(ImportSource.kind == kind, ImportSource.name == source))
    return found, dict(found.mapping) if found else {}


async def run_import(
    session: AsyncSession,
    kind: str,
    table: list[list[Cell]],
    origin: Origin,
    *,
    dry_run: bool,
    source: str | None = None,
    today: date | None = None,
) -> RunResult:
    """Check the file; unless a dry run or refused, store it. Either way the run is listed with its report."""
    found, mapping = await mapping_for(session, kind, source)
    parsed = parse_records(table, kind, mapping)
    result = RunResult(kind, dry_run=dry_run, errors=list(parsed.errors))
    partners = await _partners(session, parsed)
    for rec in parsed.records:
        if "partner" in rec and rec["partner"] not in partners:
            result.errors.append(Problem(int(rec["row"]), "Partnernummer", f"Partner {rec['partner']} gibt es nicht."))  # type: ignore[call-overload]
    _duplicates(parsed, result)
    if source and found is None:
        result.errors.append(Problem(1, "Quelle", f"Eine Quelle „{source}“ für {KINDS[kind].title} gibt es nicht."))
    result.rows_ok = len(parsed.records) - len({e.row for e in result.errors if e.row > 1})
    run = SupplierImportRun(
        kind=kind,
        origin=origin.kind,
        file_name=origin.file_name[:255],
        sha256=origin.sha256,
        source_id=found.id if found else None,
        by_id=origin.actor_id,
        dry_run=dry_run,
    )
    session.add(run)
    await session.flush()
    result.run_id = run.id
    if not result.errors:
        apply = not dry_run
        today = today or date.today()
        if kind == "open-items":
            result.changes = await _open_items(session, parsed, partners, run.id, apply, today)
        elif kind == "warranty-claims":
            result.changes = await _claims(session, parsed, partners, run.id, apply)
        else:
            result.changes = await _purchases(session, parsed, partners, run.id, apply)
    run.rows_ok, run.changes = result.rows_ok, result.changes
    run.errors = [asdict(e) for e in result.errors[:500]]
    if result.stored:
        record(
            session,
            origin.actor_id,
            "supplier.imported",
            object_type="import",
            object_id=str(run.id),
            client=origin.client,
            kind=kind,
            file=origin.file_name[:120],
            origin=origin.kind,
            rows=result.rows_ok,
            changes=result.changes,
        )
    return result


async def _partners(session: AsyncSession, parsed: Parsed) -> dict[int, int]:
    numbers = {int(r["partner"]) for r in parsed.records if "partner" in r}  # type: ignore[call-overload]
    rows = await session.execute(select(Partner.number, Partner.id).where(Partner.number.in_(numbers)))
    return {number: partner_id for number, partner_id in rows}


def _duplicates(parsed: Parsed, result: RunResult) -> None:
    key = {"open-items": "document_no", "warranty-claims": "claim_no"}.get(parsed.kind)
    if key is None:
        return
    first: dict[object, int] = {}
    for rec in parsed.records:
        if key in rec:
            row = first.setdefault(rec[key], int(rec["row"]))  # type: ignore[call-overload]
            if row != rec["row"]:
                header = next(f.header for f in KINDS[parsed.kind].fields if f.name == key)
                result.errors.append(Problem(int(rec["row"]), header, f"„{rec[key]}“ steht schon in Zeile {row}."))  # type: ignore[call-overload]


async def _open_items(
    session: AsyncSession, parsed: Parsed, partners: Mapping[int, int], run_id: int, apply: bool, today: date
) -> int:
    existing = {i.document_no: i for i in await session.scalars(select(OpenItem))}
    changes = 0
    listed = set()
    for rec in parsed.records:
        values = {
            "partner_id": partners[int(rec["partner"])],  # type: ignore[call-overload]
            "document_date": rec["document_date"],
            "due_date": rec["due_date"],
            "amount": round(float(rec["amount"]), 2),  # type: ignore[arg-type]
            "dunning_level": int(rec.get("dunning_level", 0)),  # type: ignore[call-overload]
            "settled_on": None,
        }
        number = str(rec["document_no"])
        listed.add(number)
        item = existing.get(number)
        if item is not None and all(getattr(item, k) == v for k, v in values.items()):
            continue
        changes += 1
        if apply:
            if item is None:
                session.add(OpenItem(document_no=number, run_id=run_id, **values))
            else:
                for k, v in values.items():
                    setattr(item, k, v)
                item.run_id = run_id
    for number, item in existing.items():
        if number not in listed and item.settled_on is None:
            changes += 1
            if apply:
                item.settled_on, item.run_id = today, run_id
    return changes


async def _claims(session: AsyncSession, parsed: Parsed, partners: Mapping[int, int], run_id: int, apply: bool) -> int:
    numbers = [str(r["claim_no"]) for r in parsed.records]
    existing = {
        c.claim_no: c for c in await session.scalars(select(WarrantyClaim).where(WarrantyClaim.claim_no.in_(numbers)))
    }
    changes = 0
    for rec in parsed.records:
        values = {
            "partner_id": partners[int(rec["partner"])],  # type: ignore[call-overload]
            "received": rec["received"],
            "status": rec["status"],
            "amount": round(float(rec["amount"]), 2),  # type: ignore[arg-type]
            "decided": rec.get("decided"),
        }
        claim = existing.get(str(rec["claim_no"]))
        if claim is not None and all(getattr(claim, k) == v for k, v in values.items()):
            continue
        changes += 1
        if apply:
            if claim is None:
                session.add(WarrantyClaim(claim_no=str(rec["claim_no"]), run_id=run_id, **values))
            else:
                for k, v in values.items():
                    setattr(claim, k, v)
                claim.run_id = run_id
    return changes


async def _purchases(
    session: AsyncSession, parsed: Parsed, partners: Mapping[int, int], run_id: int, apply: bool
) -> int:
    sums: dict[tuple[int, date, str], float] = defaultdict(float)
    for rec in parsed.records:
        sums[(partners[int(rec["partner"])], rec["month"], str(rec["product_group"]))] += float(rec["amount"])  # type: ignore[call-overload, index, arg-type]
    ids = {pid for pid, _, _ in sums}
    existing = {
        (p.partner_id, p.month, p.product_group): p
        for p in await session.scalars(select(Purchase).where(Purchase.partner_id.in_(ids)))
    }
    changes = 0
    for (partner_id, month, group), amount in sums.items():
        amount = round(amount, 2)
        row = existing.get((partner_id, month, group))
        if row is not None and row.amount == amount:
            continue
        changes += 1
        if apply:
            if row is None:
                session.add(
                    Purchase(partner_id=partner_id, month=month, product_group=group, amount=amount, run_id=run_id)
                )
            else:
                row.amount, row.run_id = amount, run_id
    return changes
