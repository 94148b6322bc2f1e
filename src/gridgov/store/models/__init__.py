"""All ORM models, one module per aggregate. Import from here."""

from gridgov.store.models.analytics import (
    AssessmentScheme,
    KpiBoard,
    KpiCaseState,
    KpiCursor,
    KpiRollup,
    Report,
)
from gridgov.store.models.attachment import Attachment
from gridgov.store.models.base import Base
from gridgov.store.models.case import (
    Case,
    CaseAssignment,
    CaseCenter,
    CaseDeadline,
    CaseEvent,
    CaseNumberSequence,
)
from gridgov.store.models.catalog import CalendarDay, CatalogItem, SlaLimit, SlaPolicy
from gridgov.store.models.grid import Grid
from gridgov.store.models.hooks import Webhook, WebhookDelivery
from gridgov.store.models.intake import (
    CaseProtected,
    DeadLetter,
    DeadLetterReveal,
    ImportBatch,
    Outbox,
    RoutingRule,
    TriagePolicy,
)
from gridgov.store.models.people import GridLink, GridStaff, PatrolCheckin
from gridgov.store.models.places import Building, Household, StandardAddress
from gridgov.store.models.region import Center, Region, Unit
from gridgov.store.models.user import ApiKey, IdempotencyRecord, LoginSession, User, UserRole

__all__ = [
    "ApiKey",
    "AssessmentScheme",
    "Attachment",
    "Base",
    "Building",
    "CalendarDay",
    "Case",
    "CaseAssignment",
    "CaseCenter",
    "CaseDeadline",
    "CaseEvent",
    "CaseNumberSequence",
    "CaseProtected",
    "CatalogItem",
    "Center",
    "DeadLetter",
    "DeadLetterReveal",
    "Grid",
    "GridLink",
    "GridStaff",
    "Household",
    "IdempotencyRecord",
    "ImportBatch",
    "KpiBoard",
    "KpiCaseState",
    "KpiCursor",
    "KpiRollup",
    "LoginSession",
    "Outbox",
    "PatrolCheckin",
    "Region",
    "Report",
    "RoutingRule",
    "SlaLimit",
    "SlaPolicy",
    "StandardAddress",
    "TriagePolicy",
    "Unit",
    "User",
    "UserRole",
    "Webhook",
    "WebhookDelivery",
]
