"""Driving the web app as a browser would: a cookie jar per person, forms with their CSRF token."""

from __future__ import annotations

import re
from html import unescape

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.demo import DEMO_PASSWORD, ROLE_EMAILS

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ETAG_FIELD = re.compile(r'name="etag" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def etag_of(html: str) -> str:
    found = ETAG_FIELD.search(html)
    assert found, "the page carries no ETag"
    return unescape(found.group(1))  # as a browser submits it


def browser(app: FastAPI) -> TestClient:
    """A second person's browser: its own cookie jar, the same app."""
    return TestClient(app, raise_server_exceptions=False, client=("203.0.113.11", 50001))


def sign_in(client: TestClient, role: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    page = client.get("/app/login")
    assert page.status_code == 200, page.text
    return client.post(
        "/app/login",
        data={"csrf_token": csrf_of(page.text), "email": ROLE_EMAILS[role], "password": password},
        follow_redirects=False,
    )


def signed_in(client: TestClient, role: str) -> TestClient:
    response = sign_in(client, role)
    assert response.status_code == 303, response.text
    return client


def post_form(client: TestClient, page_url: str, action: str, **fields: str) -> httpx.Response:
    """Open `page_url`, then submit a form to `action` with the page's CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_of(page.text), **fields}
    return client.post(action, data=data, follow_redirects=False)
