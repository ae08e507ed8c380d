"""Who a document is for, and who sees it.

A library document names its audience by partners, comparison groups and territories (a partner
in any of them is reached) and by permission classes (a person with any of them is reached); only
classes: every partner's people of those classes; nothing at all: the Zentrale only. Zentrale staff
see the whole library. A partner's exchange folder is seen by that partner's users and by the
Zentrale staff who may view the partner.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import territory_paths
from app.models import Document, DocumentAudience, Partner, PermissionClass, User, user_classes
from app.network.colleagues import visible_partner_ids
from app.network.groups import groups_of_partner, groups_with_members

PARTNER_KINDS = ("partner", "group", "territory")


@dataclass(frozen=True)
class Audience:
    partners: frozenset[int] = frozenset()  # partner ids
    groups: frozenset[int] = frozenset()  # comparison group ids
    territories: frozenset[str] = frozenset()  # territory codes (with their subtrees)
    classes: frozenset[str] = frozenset()  # permission class keys

    @property
    def names_partners(self) -> bool:
        return bool(self.partners or self.groups or self.territories)

    @property
    def zentrale_only(self) -> bool:
        return not (self.names_partners or self.classes)

    def rows(self, document_id: int) -> list[DocumentAudience]:
        pairs = [
            *(("partner", str(p)) for p in sorted(self.partners)),
            *(("group", str(g)) for g in sorted(self.groups)),
            *(("territory", t) for t in sorted(self.territories)),
            *(("class", c) for c in sorted(self.classes)),
        ]
        return [DocumentAudience(document_id=document_id, kind=k, ref=r) for k, r in pairs]


async def audience_of(session: AsyncSession, document_id: int) -> Audience:
    rows = (
        await session.execute(
            select(DocumentAudience.kind, DocumentAudience.ref).where(DocumentAudience.document_id == document_id)
        )
    ).all()
    return Audience(
        partners=frozenset(int(r) for k, r in rows if k == "partner"),
        groups=frozenset(int(r) for k, r in rows if k == "group"),
        territories=frozenset(r for k, r in rows if k == "territory"),
        classes=frozenset(r for k, r in rows if k == "class"),
    )


async def reached_partners(session: AsyncSession, audience: Audience) -> set[int]:
    """The active partners a library document reaches."""
    rows = (await session.execute(select(Partner.id, Partner.territory_id).where(Partner.active))).all()
    if not audience.names_partners:
        return {pid for pid, _ in rows} if audience.classes else set()
    reached = {pid for pid, _ in rows if pid in audience.partners}
    if audience.territories:
        paths = await territory_paths(session)
        reached |= {pid for pid, tid in rows if audience.territories & set(paths[tid])}
    if audience.groups:
        for group, members in await groups_with_members(session):
            if group.id in audience.groups:
                reached |= {p.id for p in members}
    return reached


async def reached_users(session: AsyncSession, audience: Audience) -> list[User]:
    """The active people a library document is for: the reached partners' users (of the classes, if
    named) and Zentrale staff of the named classes. The Zentrale's own documents name nobody."""
    if audience.zentrale_only:
        return []
    partners = await reached_partners(session, audience)
    query = select(User).where(User.active).options(selectinload(User.classes), selectinload(User.partner))
    if audience.classes:
        of_class = select(user_classes.c.user_id).join(PermissionClass).where(PermissionClass.key.in_(audience.classes))
        query = query.where(User.id.in_(of_class), or_(User.partner_id.in_(partners), User.partner_id.is_(None)))
    else:
        query = query.where(User.partner_id.in_(partners))
    return list(await session.scalars(query.order_by(User.partner_id, User.display_name)))


async def may_publish_to(session: AsyncSession, principal: Principal, audience: Audience) -> str | None:
    """None if the principal may put a document with this audience into the library, else why not."""
    if principal.is_partner_user or not principal.may(Action.PUBLISH):
        return "Sie dürfen keine Dokumente in die Bibliothek stellen."
    paths = await territory_paths(session)
    rows = await session.execute(select(Partner.id, Partner.number, Partner.territory_id).where(Partner.active))
    reached = await reached_partners(session, audience)
    outside = sorted(
        nr for pid, nr, tid in rows if pid in reached and not principal.can(Action.PUBLISH, PartnerRef(pid, paths[tid]))
    )
    if outside:
        shown = ", ".join(map(str, outside[:5])) + (" …" if len(outside) > 5 else "")
        return f"Diese Empfänger liegen außerhalb Ihres Bereichs: Partner {shown}."
    return None


async def addressed(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause: the library documents meant for this person (their circulars to confirm).
    For a partner's user that is every library document they see; Zentrale staff see the whole
    library but are addressed only through a class of theirs."""
    if principal.is_partner_user:
        return Document.partner_id.is_(None)
    classes = list(
        await session.scalars(
            select(PermissionClass.key).join(user_classes).where(user_classes.c.user_id == principal.user_id)
        )
    )
    return exists().where(
        DocumentAudience.document_id == Document.id,
        DocumentAudience.kind == "class",
        DocumentAudience.ref.in_(classes),
    )


async def visibility(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause: the documents this principal may see."""
    if not principal.is_partner_user:
        partners = await visible_partner_ids(session, principal)
        return or_(Document.partner_id.is_(None), Document.partner_id.in_(partners))
    partner = await session.get(Partner, principal.partner_id)
    if partner is None:
        return false()
    paths = await territory_paths(session)
    groups = [str(g.id) for g, _ in await groups_of_partner(session, partner.id)]
    classes = list(
        await session.scalars(
            select(PermissionClass.key).join(user_classes).where(user_classes.c.user_id == principal.user_id)
        )
    )

    def entry(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists().where(DocumentAudience.document_id == Document.id, *conditions)

    names_partners = entry(DocumentAudience.kind.in_(PARTNER_KINDS))
    names_me = entry(
        or_(
            and_(DocumentAudience.kind == "partner", DocumentAudience.ref == str(partner.id)),
            and_(DocumentAudience.kind == "group", DocumentAudience.ref.in_(groups)),
            and_(DocumentAudience.kind == "territory", DocumentAudience.ref.in_(paths[partner.territory_id])),
        )
    )
    names_classes = entry(DocumentAudience.kind == "class")
    names_my_class = entry(DocumentAudience.kind == "class", DocumentAudience.ref.in_(classes))
    library = and_(
        Document.partner_id.is_(None),
        or_(names_me, and_(~names_partners, names_classes)),
        or_(~names_classes, names_my_class),
    )
    return or_(library, Document.partner_id == partner.id)
