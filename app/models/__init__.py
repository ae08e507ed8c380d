"""The domain model (shared/DESIGN.md); importing this package registers every table."""

from app.models.audit import AuditEvent
from app.models.base import Base, utcnow
from app.models.chat import ChatMention, ChatMessage, ChatMessageEdit, ChatMute, ChatReadMarker, ChatRoom, room_partners
from app.models.figures import (
    Figure,
    FigureRevision,
    MarketValue,
    Metric,
    MonthReport,
    Target,
)
from app.models.network import (
    ComparisonGroup,
    NetworkVersion,
    Partner,
    Territory,
    group_members,
    territory_managers,
)
from app.models.relations import PartnerAddress, PartnerContact, PartnerStaff
from app.models.supplier import (
    DropFile,
    ImportSource,
    MarketingActivity,
    OpenItem,
    Purchase,
    SupplierImportRun,
    WarrantyClaim,
)
from app.models.targets import TargetPlan, TargetPlanRevision
from app.models.users import (
    AccessToken,
    Grant,
    LoginChallenge,
    PermissionClass,
    RecoveryCode,
    User,
    UserSession,
    user_classes,
)

__all__ = [
    "AccessToken",
    "AuditEvent",
    "Base",
    "ChatMention",
    "ChatMessage",
    "ChatMessageEdit",
    "ChatMute",
    "ChatReadMarker",
    "ChatRoom",
    "ComparisonGroup",
    "DropFile",
    "Figure",
    "FigureRevision",
    "Grant",
    "ImportSource",
    "LoginChallenge",
    "MarketValue",
    "MarketingActivity",
    "Metric",
    "MonthReport",
    "NetworkVersion",
    "OpenItem",
    "Partner",
    "PartnerAddress",
    "PartnerContact",
    "PartnerStaff",
    "PermissionClass",
    "Purchase",
    "RecoveryCode",
    "SupplierImportRun",
    "Target",
    "TargetPlan",
    "TargetPlanRevision",
    "Territory",
    "User",
    "UserSession",
    "WarrantyClaim",
    "group_members",
    "room_partners",
    "territory_managers",
    "user_classes",
    "utcnow",
]
