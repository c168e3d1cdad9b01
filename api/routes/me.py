"""§27.3 current user and accessible venues."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import CurrentUser, management_rate_limit
from api.deps import PageQuery, SessionDep
from api.problems import raises
from api.schemas import Page
from api.schemas.auth import AccessibleVenue, CurrentUserOut
from api.views import accessible_venues_out, current_user_out
from signage.db.models import User
from signage.errors import NotFoundError

router = APIRouter(prefix="/v1/me", tags=["me"], dependencies=[Depends(management_rate_limit)])


@router.get("", summary="The signed-in user with roles")
@raises(NotFoundError)
def me(user: CurrentUser, session: SessionDep) -> CurrentUserOut:
    record = session.get(User, user.user_id)
    if record is None or record.tenant_id != user.tenant_id:
        raise NotFoundError("The signed-in user no longer exists.")
    return current_user_out(record, user)


@router.get("/venues", summary="Venues the signed-in user may open")
def my_venues(user: CurrentUser, session: SessionDep, page: PageQuery) -> Page[AccessibleVenue]:
    return accessible_venues_out(session, user, page)
