"""What a page handler gets about its request, in one parameter: the bundle every handler gets
(`api.calls.UserCall`, as /v1's `Call`) with the cookie session's user, and for a form post the
form whose CSRF token matched.

The dependencies are the ones the handlers declared one by one, in the same order: the user is
signed in (or sent to log in) before a form's CSRF token is checked. FastAPI resolves each once
per request, so `session` is the session the request commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from api.calls import UserCall
from api.deps import ContextDep, NowDep, SessionDep
from api.ratelimit import enforce_publish_limit
from api.webapp.access import Abilities, abilities, open_venue
from api.webapp.rendering import redirect, render
from api.webapp.session import CheckedForm, WebUser, signed_in_user
from signage.auth.policy import VenueAction, authorize_tenant_admin
from signage.auth.principal import UserPrincipal
from signage.db.models import Venue


@dataclass(frozen=True)
class PageView(UserCall):
    """A signed-in user asking for a page or a fragment of one."""

    def venue(self, venue_id: uuid.UUID, action: VenueAction) -> Venue:
        """The venue, if the user may do `action` there; 404/403 as on /v1."""
        return open_venue(self.session, self.user, venue_id, action)

    def abilities(self, venue: Venue) -> Abilities:
        return abilities(self.user, venue.id)

    def render(self, template: str, **values: Any) -> Response:
        return render(self.request, template, **values)


@dataclass(frozen=True)
class FormPost(PageView):
    """A form that changes something: the page's request and the posted fields."""

    form: dict[str, str]

    @property
    def etag(self) -> str | None:
        """The ETag the page was rendered with, sent as If-Match (§16)."""
        return self.form.get("etag")

    def limit_publishing(self) -> None:
        """Publishes count against the tenant's publish limit too (§27.1), as on /v1."""
        enforce_publish_limit(self.request, self.context, self.user.tenant_id)

    def redirect(self, url: str) -> Response:
        """Post/redirect/get: the browser then loads `url`."""
        return redirect(self.request, url)


async def page_view(
    request: Request, user: WebUser, context: ContextDep, session: SessionDep, now: NowDep
) -> PageView:
    return PageView(request, user, context, session, now)


def form_post_by(signed_in: Callable[..., UserPrincipal]) -> Callable[..., Awaitable[FormPost]]:
    """The form post dependency for the users `signed_in` admits (any signed-in user, or only
    tenant admins), resolved before the CSRF check as when handlers declared them one by one."""

    # FastAPI reads the annotations as strings against this module's globals, so the varying
    # user dependency is a default instead; the keyword-only rest keep their order after it.
    async def form_post(
        request: Request,
        user: UserPrincipal = Depends(signed_in),
        *,
        form: CheckedForm,
        context: ContextDep,
        session: SessionDep,
        now: NowDep,
    ) -> FormPost:
        return FormPost(request, user, context, session, now, form)

    return form_post


PageViewDep = Annotated[PageView, Depends(page_view)]
FormPostDep = Annotated[FormPost, Depends(form_post_by(signed_in_user))]


def web_tenant_reader(user: WebUser) -> UserPrincipal:
    """A tenant admin or viewer signed in to the web app; others get the 403 page."""
    authorize_tenant_admin(user, read_only=True)
    return user


def web_tenant_admin(user: WebUser) -> UserPrincipal:
    """A tenant admin signed in to the web app; others get the 403 page."""
    authorize_tenant_admin(user)
    return user


# The web app's counterparts of /v1's api.auth.TenantReader and TenantAdmin (cookie session).
WebTenantReader = Annotated[UserPrincipal, Depends(web_tenant_reader)]
WebTenantAdmin = Annotated[UserPrincipal, Depends(web_tenant_admin)]
WebTenantAdminPost = Annotated[FormPost, Depends(form_post_by(web_tenant_admin))]
