"""Attachments: bytes on disk under their SHA-256, metadata in ``attachment``."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from gridgov.cases import uploads
from gridgov.kit.errors import NotFound, ValidationFailed
from gridgov.store.models import Attachment, Case


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store(
    session: Session,
    *,
    root: Path,
    content: bytes,
    filename: str,
    content_type: str,
    allowed_types: frozenset[str],
    max_bytes: int,
    uploaded_by_id: int | None,
    now: datetime,
    case: Case | None = None,
) -> Attachment:
    """Check (size, real type by content), strip image metadata, write the bytes (once per
    content) and record the metadata."""
    if not content:
        raise ValidationFailed("the file is empty")
    if len(content) > max_bytes:
        raise ValidationFailed(f"the file is {len(content)} bytes; the limit is {max_bytes}")
    content_type = uploads.checked_type(content, content_type)
    if content_type not in allowed_types:
        raise ValidationFailed(f"files of type {content_type!r} are not accepted")
    content = uploads.clean_image(content, content_type)
    digest = hashlib.sha256(content).hexdigest()
    path = blob_path(root, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    row = Attachment(
        sha256=digest,
        size=len(content),
        content_type=content_type,
        filename=Path(filename).name[:255] or "file",
        uploaded_by_id=uploaded_by_id,
        created_at=now,
        case_id=case.id if case else None,
        county_code=case.county_code if case else None,
    )
    session.add(row)
    session.flush()
    return row


def get(
    session: Session,
    *,
    attachment_id: int,
    visible: ColumnElement[bool] | None = None,
    uploader_id: int | None = None,
) -> Attachment:
    """The attachment; with ``visible`` (a data scope on cases) only if its case is in scope
    or the caller uploaded it — otherwise it is reported missing."""
    stmt = select(Attachment).where(Attachment.id == attachment_id)
    if visible is not None:
        in_scope = Attachment.case_id.in_(select(Case.id).where(visible))
        stmt = stmt.where(
            or_(in_scope, Attachment.uploaded_by_id == uploader_id) if uploader_id else in_scope
        )
    row = session.scalar(stmt)
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    return row


def unlinked(
    session: Session, *, ids: Sequence[int], uploader_id: int | None, anyones: bool = False
) -> list[Attachment]:
    """Files a report names: each must exist, be on no case yet, and have been uploaded by
    the reporter (``POST /attachments``): another user's photo cannot be borrowed. A
    dispatcher replaying a refused report may name its reporter's (``anyones``)."""
    rows = []
    for attachment_id in dict.fromkeys(ids):
        row = session.get(Attachment, attachment_id)
        # keys with no user (uploader_id None) share theirs
        if row is None or (row.uploaded_by_id != uploader_id and not anyones):
            raise ValidationFailed(f"attachment {attachment_id}: no such file of yours")
        if row.case_id is not None:
            raise ValidationFailed(f"attachment {attachment_id} belongs to another case")
        rows.append(row)
    return rows


def link(session: Session, *, case: Case, ids: Sequence[int]) -> None:
    """Attach uploaded files to the case; a file already on another case is refused."""
    for attachment_id in dict.fromkeys(ids):
        row = get(session, attachment_id=attachment_id)
        if row.case_id not in (None, case.id):
            raise ValidationFailed(f"attachment {attachment_id} belongs to another case")
        row.case_id = case.id
        row.county_code = case.county_code


def for_case(session: Session, *, case_id: int) -> Sequence[Attachment]:
    return session.scalars(
        select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
    ).all()
