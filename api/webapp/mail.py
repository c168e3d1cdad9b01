"""Sending a set-your-password link (issue 19 item 9) through the SMTP relay configured by
SIGNAGE_SMTP_* (the sender notifications use). Without a relay the app falls back to the
typed initial password and hides "Forgot your password?"."""

from __future__ import annotations

from api.context import AppContext
from signage.auth.password_links import IssuedLink, link_email
from signage.notifications.senders import Outcome, SmtpSender

SET_PASSWORD_PATH = "/app/password/set/"  # noqa: S105 (a path)


def mailer(context: AppContext) -> SmtpSender:
    return SmtpSender.from_settings(context.settings)


def can_send_mail(context: AppContext) -> bool:
    return mailer(context).configured


def send_link(context: AppContext, link: IssuedLink) -> Outcome:
    """The link's e-mail, pointing at this platform's public address."""
    url = context.settings.api_base_url.rstrip("/") + SET_PASSWORD_PATH + link.token
    sender = mailer(context)
    return sender.send(link_email(link, url, sender.sender))
