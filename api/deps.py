"""Annotated dependencies so each handler's signature says what it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.context import AppContext
from signage.auth.sessions import EPOCH_MOVED_FLAG
from signage.config import Settings
from signage.devices.tokens import REVOKED_FLAG
from signage.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest

# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, and on the hot player paths those hops were a third of a request's CPU
# (py-spy under bench/manifest). Anything that may block stays in the pool.


async def get_context(request: Request) -> AppContext:
    """The app's context (settings, database, shared services)."""
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_settings(context: ContextDep) -> Settings:
    return context.settings


async def get_now(context: ContextDep) -> datetime:
    """Now, from the app's injected clock."""
    return context.clock()


async def get_session(context: ContextDep, request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent, rolled back on error.
    The session connects lazily, so a request that never touches the database (a cached 304)
    costs no database round trip and no thread hop here."""
    session = context.database.sessions()
    request.state.db_session = session  # for `roll_back_request`
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        await _close(session)
        await _forget_revoked_checks(context, session)


async def _forget_revoked_checks(context: AppContext, session: Session) -> None:
    """After the transaction ended (a Redis write each when configured). Also after an error:
    a route may have committed a revocation before refusing (refresh-token reuse), and a
    rolled-back one only costs a few cache misses. Never before the commit: a request in
    between would cache the old state under the new epoch."""
    if session.info.pop(REVOKED_FLAG, False):
        await run_in_threadpool(context.device_tokens.revoked)
    if session.info.pop(EPOCH_MOVED_FLAG, False):
        await run_in_threadpool(context.session_epochs.revoked)


async def roll_back_request(request: Request) -> None:
    """Undo what the request wrote before it failed. For handlers that answer an error
    themselves (the web app's error pages): the error never reaches `get_session`, which
    would otherwise commit the half-done work."""
    session: Session | None = getattr(request.state, "db_session", None)
    if session is not None and session.in_transaction():
        await run_in_threadpool(session.rollback)


async def _close(session: Session) -> None:
    if session.in_transaction():  # only after an error in rollback itself: let the pool reset
        await run_in_threadpool(session.close)
    else:
        session.close()  # no connection held: nothing to release, no I/O


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


def if_match_header(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The ETag last read; required on changes (§27.1)"),
    ] = None,
) -> str | None:
    """The request's If-Match header, or None."""
    return if_match


# Optional at the edge so that a missing header is the domain's 428, not a 422 (§27.1).
IfMatch = Annotated[str | None, Depends(if_match_header)]
