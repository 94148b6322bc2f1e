"""Which roles may call which endpoint (pure): the route half of DESIGN §10.

Every operation of ``/api/v1`` has one row here, checked for every authenticated request by
the credential dependency (:mod:`gridgov.api.deps`); an operation without a row is refused
to everyone (deny by default), and the authorisation matrix test fails on it. Below this
gate two more checks apply: the *data scope* (a case outside it is 404 —
:mod:`gridgov.auth.scope`) and, for case actions, the *action grants*
(:data:`gridgov.cases.permissions.PERMISSIONS`: role × relation to the case).
"""

from __future__ import annotations

from gridgov.cases.permissions import Role

R = Role
EVERYONE = frozenset(Role)
STAFF = EVERYONE - {R.citizen}
REPORTERS = frozenset({R.agent, R.dispatcher, R.grid_worker, R.leader, R.citizen, R.system})
ADMIN = frozenset({R.admin})
PUBLIC: frozenset[Role] = frozenset()  # no credentials needed

ROUTES: dict[str, frozenset[Role]] = {
    "GET /api/v1/health": PUBLIC,
    # accounts and keys
    "POST /api/v1/auth/login": PUBLIC,
    "POST /api/v1/auth/logout": EVERYONE,
    "GET /api/v1/auth/me": EVERYONE,
    "GET /api/v1/users": ADMIN,
    "POST /api/v1/users": ADMIN,
    "PATCH /api/v1/users/{username}": ADMIN,
    "POST /api/v1/users/{username}/password": EVERYONE,  # one's own; others: admin
    "GET /api/v1/api-keys": ADMIN,
    "POST /api/v1/api-keys": ADMIN,
    "DELETE /api/v1/api-keys/{name}": ADMIN,
    # cases (scope and action grants decide further)
    "POST /api/v1/cases": REPORTERS,
    "GET /api/v1/cases": EVERYONE,
    "GET /api/v1/cases/{number}": EVERYONE,
    "GET /api/v1/cases/{number}/events": EVERYONE,
    "GET /api/v1/cases/{number}/actions": EVERYONE,
    "POST /api/v1/cases/{number}/actions/{action}": EVERYONE,
    "POST /api/v1/cases/{number}/attachments": EVERYONE - {R.auditor, R.citizen},
    "POST /api/v1/cases/{number}/personal-data": frozenset(
        {R.dispatcher, R.agent, R.unit_handler, R.admin}
    ),
    "GET /api/v1/attachments/{attachment_id}": EVERYONE,
    # a photo uploaded before the grid app's or an inspection system's report names it
    "POST /api/v1/attachments": frozenset({R.grid_worker, R.agent, R.dispatcher, R.system}),
    "GET /api/v1/events/stream": EVERYONE,
    # intake
    "GET /api/v1/intake/channels": PUBLIC,
    "POST /api/v1/intake/import": ADMIN,  # the channels' payload schemas, like /openapi.json
    "GET /api/v1/intake/imports": ADMIN,
    "GET /api/v1/intake/imports/{batch_id}": ADMIN,
    "POST /api/v1/intake/imports/{batch_id}/withdraw": ADMIN,
    "POST /api/v1/intake/{channel}": REPORTERS,
    "POST /api/v1/intake/{channel}/batch": REPORTERS,
    "POST /api/v1/intake/{channel}/preview": REPORTERS,
    "GET /api/v1/intake/dead-letters": frozenset({R.dispatcher, R.admin}),
    "POST /api/v1/intake/dead-letters/{letter_id}/replay": frozenset({R.dispatcher, R.admin}),
    "POST /api/v1/intake/dead-letters/{letter_id}/discard": frozenset({R.dispatcher, R.admin}),
    "POST /api/v1/intake/dead-letters/{letter_id}/personal-data": frozenset(
        {R.dispatcher, R.admin}
    ),
    # reference data
    "GET /api/v1/centers": EVERYONE,
    "GET /api/v1/units": EVERYONE,
    "POST /api/v1/units": ADMIN,
    "GET /api/v1/catalog": EVERYONE,
    "GET /api/v1/sla-policies": STAFF,
    "POST /api/v1/sla/sweep": frozenset({R.admin, R.system}),
    "GET /api/v1/audit/verify": frozenset({R.admin, R.auditor}),
    # figures (each caller's data scope narrows them)
    "GET /api/v1/kpis": STAFF,
    "POST /api/v1/patrols/checkins": frozenset({R.grid_worker}),
    "GET /api/v1/patrols/checkins": STAFF,
    "GET /api/v1/cockpit": STAFF,
    "GET /api/v1/assessment/schemes": STAFF,
    "GET /api/v1/reports": frozenset({R.leader, R.dispatcher, R.admin, R.auditor}),
    "POST /api/v1/reports": frozenset({R.leader, R.dispatcher, R.admin}),
    "GET /api/v1/reports/{report_id}.{fmt}": frozenset(
        {R.leader, R.dispatcher, R.admin, R.auditor}
    ),
    "PUT /api/v1/assessment/schemes/{code}": ADMIN,
    "GET /api/v1/assessment/{code}": frozenset({R.leader, R.dispatcher, R.admin, R.auditor}),
    "GET /api/v1/assessment/{code}/cases": frozenset({R.leader, R.dispatcher, R.admin, R.auditor}),
    # grids, places, people on the grid (names of staff: not for citizens)
    "GET /api/v1/grids": STAFF,
    "GET /api/v1/grids.geojson": STAFF,
    "GET /api/v1/grids/{code}": STAFF,
    "GET /api/v1/grids/{code}/people": STAFF,
    "GET /api/v1/grids/{code}/buildings": STAFF,
    "GET /api/v1/grid-coverage": STAFF,
    "POST /api/v1/grids/import": ADMIN,
    "POST /api/v1/grids/{code}/staff": ADMIN,
    "DELETE /api/v1/grids/{code}/staff/{username}": ADMIN,
    "POST /api/v1/grids/{code}/links": ADMIN,
    "GET /api/v1/locate": EVERYONE,
    "POST /api/v1/locate": STAFF,
    "GET /api/v1/addresses/match": STAFF,
    "POST /api/v1/addresses": ADMIN,
    "POST /api/v1/buildings": frozenset({R.admin, R.grid_worker}),
    "PUT /api/v1/buildings/{building_id}/risk": frozenset({R.admin, R.grid_worker}),
    # administration: reference data and settings
    "GET /api/v1/regions": EVERYONE,
    "GET /api/v1/regions/{code}": EVERYONE,
    "POST /api/v1/regions/import": ADMIN,
    "GET /api/v1/routing-rules": STAFF,
    "POST /api/v1/routing-rules": ADMIN,
    "GET /api/v1/routing-rules/test": STAFF,
    "GET /api/v1/centers/{code}/triage-policy": STAFF,
    "PUT /api/v1/centers/{code}/triage-policy": ADMIN,
    "GET /api/v1/calendar/days": EVERYONE,
    "PUT /api/v1/calendar/days/{day}": ADMIN,
    "PATCH /api/v1/catalog/{code}": ADMIN,
    "POST /api/v1/catalog": ADMIN,
    "PUT /api/v1/sla-policies/{code}": ADMIN,
    # webhooks
    "GET /api/v1/webhooks": ADMIN,
    "POST /api/v1/webhooks": ADMIN,
    "POST /api/v1/webhooks/{name}/active": ADMIN,
    "GET /api/v1/webhooks/deliveries": ADMIN,
    "POST /api/v1/webhooks/deliveries/{delivery_id}/resend": ADMIN,
}


def allowed(operation: str, roles: frozenset[Role]) -> bool:
    """May an actor with ``roles`` call ``operation`` ("METHOD /path/template")?"""
    permitted = ROUTES.get(operation)
    if permitted is None:
        return False  # deny by default
    return permitted == PUBLIC or bool(roles & permitted)
