"""Annotated dependencies so each handler's signature says what it needs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from api.context import AppContext
from signage.config import Settings
from signage.devices.tokens import REVOKED_FLAG
from signage.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_settings(context: ContextDep) -> Settings:
    return context.settings


def get_now(context: ContextDep) -> datetime:
    return context.clock()


def get_session(context: ContextDep) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    with context.database.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        if session.info.pop(REVOKED_FLAG, False):
            context.device_tokens.revoked()  # committed: cached token checks are stale now


def page_request(
    cursor: Annotated[str | None, Query(max_length=512, description="from nextCursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> PageRequest:
    """§27.1 cursor pagination parameters."""
    return PageRequest(cursor=cursor, limit=limit)


PageQuery = Annotated[PageRequest, Depends(page_request)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
# scope="function": the commit happens before the response is sent, so a client never hears
# "done" about a write that then fails to commit (FastAPI's default runs it afterwards).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
