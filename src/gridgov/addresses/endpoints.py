"""HTTP endpoint for matching free-text addresses to the registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gridgov.addresses import service
from gridgov.api.deps import ReadActor, ReadSession
from gridgov.api.errors import error_responses

router = APIRouter(tags=["addresses"])


class CandidateRead(BaseModel):
    address: str
    grid_code: str | None
    lon: float
    lat: float
    score: float


@router.get(
    "/addresses/match", response_model=list[CandidateRead], responses=error_responses(401, 422)
)
def match(
    session: ReadSession,
    actor: ReadActor,
    text: Annotated[str, Query(min_length=1, max_length=300)],
    county: str | None = None,
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[CandidateRead]:
    """Standard addresses a free-text (hotline) address most likely means, best first."""
    found = service.match(session, text=text, county_code=county, top=top)
    return [CandidateRead(**c.__dict__) for c in found]
