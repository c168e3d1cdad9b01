"""Webhook URL rules (issue 17 "Bad input"): HTTPS outside development, at most 2,000
characters, no credentials in it, and in production never a loopback, link-local, private or
otherwise internal address (SSRF). A name is checked again when it is resolved at delivery
(`senders.refuse_internal_addresses`), since DNS may point it anywhere later."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from signage.config import Environment

URL_MAX_LENGTH = 2000
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def url_problem(url: str, environment: Environment) -> str | None:
    """What is wrong with `url` as a webhook target, or None."""
    if len(url) > URL_MAX_LENGTH:
        return f"must be at most {URL_MAX_LENGTH} characters"
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an absolute https:// URL"
    if parts.username or parts.password:
        return "must not carry credentials; the channel's secret signs each request"
    if parts.scheme != "https" and environment is Environment.PRODUCTION:
        return "must use HTTPS"
    if environment is Environment.PRODUCTION and is_internal_host(parts.hostname):
        return "must not point at a loopback, link-local or private address"
    return None


def is_internal_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(INTERNAL_SUFFIXES):
        return True
    try:
        return is_internal_address(ipaddress.ip_address(name))
    except ValueError:
        return False  # a name: checked when it is resolved at delivery


def is_internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return not address.is_global or address.is_multicast
