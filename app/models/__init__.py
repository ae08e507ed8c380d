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
    "Figure",
    "FigureRevision",
    "Grant",
    "LoginChallenge",
    "MarketValue",
    "Metric",
    "MonthReport",
    "NetworkVersion",
    "Partner",
    "PermissionClass",
    "RecoveryCode",
    "Target",
    "Territory",
    "User",
    "UserSession",
    "group_members",
    "room_partners",
    "territory_managers",
    "user_classes",
    "utcnow",
]
