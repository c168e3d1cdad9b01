"""The local media origin over HTTP: signed uploads, signed downloads with Range and ETag,
and every refusal as problem+json (§27.2). It must behave like the CDN a player downloads from."""

from __future__ import annotations

import hashlib
import logging
import resource
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from api.media_origin import create_media_origin
from signage.config import Settings
from signage.storage.local import LocalStorage
from tests.support.clock import FakeClock
from tests.support.live import serve

KEY = "tenant-1/assets/asset-1/original.mp4"
BODY = bytes(range(256)) * 40  # 10 240 bytes


@pytest.fixture
def client(local_storage: LocalStorage, media_clock: FakeClock) -> Iterator[TestClient]:
    # Mounted as the API mounts it, so paths and `instance` look as in production.
    app = Starlette(routes=[Mount("/media", create_media_origin(local_storage, clock=media_clock))])
    with TestClient(app) as test_client:
        yield test_client


def upload(
    client: TestClient,
    storage: LocalStorage,
    clock: FakeClock,
    body: bytes = BODY,
    *,
    signed_size: int | None = None,
    key: str = KEY,
) -> httpx.Response:
    presigned = storage.presign_put(
        key, "video/mp4", signed_size or len(body), clock.now + timedelta(minutes=60)
    )
    return client.put(presigned.url, content=body, headers=dict(presigned.headers))


def download_url(storage: LocalStorage, clock: FakeClock, key: str = KEY) -> str:
    return storage.presign_get(key, clock.now + timedelta(minutes=30))


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "code", "detail", "instance"} <= body.keys()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith(code)
    assert body["instance"] == unquote(urlsplit(str(response.request.url)).path)
    assert "sig=" not in body["detail"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


# -- uploads ---------------------------------------------------------------------------------


def test_signed_upload_stores_the_object_and_returns_its_etag(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    response = upload(client, local_storage, media_clock)
    assert response.status_code == 200
    info = local_storage.head(KEY)
    assert info is not None
    assert response.headers["etag"] == info.etag
    with local_storage.open_read(KEY) as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(BODY).digest()


def test_zero_byte_upload_is_refused(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    assert_problem(
        upload(client, local_storage, media_clock, b"", signed_size=10), 400, "EMPTY_UPLOAD"
    )


def test_body_smaller_than_the_signed_size_is_refused_and_nothing_is_stored(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    response = upload(client, local_storage, media_clock, BODY[:-1], signed_size=len(BODY))
    assert_problem(response, 400, "UPLOAD_SIZE_MISMATCH")
    assert not local_storage.exists(KEY)


def test_body_larger_than_the_signed_size_is_too_large(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    response = upload(client, local_storage, media_clock, BODY + b"x", signed_size=len(BODY))
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    assert not local_storage.exists(KEY)


def test_upload_without_content_length_is_refused(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    presigned = local_storage.presign_put(
        KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=5)
    )
    chunked = client.put(presigned.url, content=iter([BODY]), headers=dict(presigned.headers))
    assert_problem(chunked, 411, "LENGTH_REQUIRED")


def test_upload_with_another_content_type_does_not_match_the_signature(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    presigned = local_storage.presign_put(
        KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=5)
    )
    response = client.put(presigned.url, content=BODY, headers={"Content-Type": "text/html"})
    assert_problem(response, 403, "SIGNATURE_INVALID")


def test_a_raised_signed_size_does_not_verify(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    presigned = local_storage.presign_put(
        KEY, "video/mp4", 10, media_clock.now + timedelta(minutes=5)
    )
    bigger = with_query(presigned.url, size=str(len(BODY)))
    response = client.put(bigger, content=BODY, headers=dict(presigned.headers))
    assert_problem(response, 403, "SIGNATURE_INVALID")


def test_an_expired_upload_url_is_refused(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    presigned = local_storage.presign_put(
        KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=60)
    )
    media_clock.advance(minutes=60)
    response = client.put(presigned.url, content=BODY, headers=dict(presigned.headers))
    assert_problem(response, 403, "URL_EXPIRED")


# -- downloads -------------------------------------------------------------------------------


@pytest.fixture
def stored(client: TestClient, local_storage: LocalStorage, media_clock: FakeClock) -> str:
    """A stored object; returns a signed download URL for it."""
    assert upload(client, local_storage, media_clock).status_code == 200
    return download_url(local_storage, media_clock)


def test_signed_get_serves_the_object_with_cache_validators(
    client: TestClient, stored: str, local_storage: LocalStorage
) -> None:
    response = client.get(stored)
    assert response.status_code == 200
    assert response.content == BODY
    info = local_storage.head(KEY)
    assert info is not None
    assert response.headers["etag"] == info.etag
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == str(len(BODY))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "private, max-age=1800"


def test_interrupted_download_resumes_with_a_range(client: TestClient, stored: str) -> None:
    first = client.get(stored, headers={"Range": "bytes=0-4095"})
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-4095/{len(BODY)}"
    rest = client.get(stored, headers={"Range": "bytes=4096-", "If-Range": first.headers["etag"]})
    assert rest.status_code == 206
    assert rest.headers["content-length"] == str(len(BODY) - 4096)
    assert first.content + rest.content == BODY


def test_suffix_range_serves_the_tail(client: TestClient, stored: str) -> None:
    tail = client.get(stored, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206
    assert tail.content == BODY[-100:]


def test_range_past_the_end_is_clamped(client: TestClient, stored: str) -> None:
    response = client.get(stored, headers={"Range": "bytes=10000-99999"})
    assert response.status_code == 206
    assert response.content == BODY[10000:]


def test_stale_if_range_gets_the_whole_new_file(client: TestClient, stored: str) -> None:
    response = client.get(stored, headers={"Range": "bytes=100-", "If-Range": '"old-etag"'})
    assert response.status_code == 200
    assert response.content == BODY


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=abc", "bytes=9-2"])
def test_ranges_we_do_not_serve_are_ignored(client: TestClient, stored: str, header: str) -> None:
    response = client.get(stored, headers={"Range": header})
    assert response.status_code == 200
    assert response.content == BODY


@pytest.mark.parametrize("header", [f"bytes={len(BODY)}-", "bytes=-0"])
def test_unsatisfiable_range_is_416(client: TestClient, stored: str, header: str) -> None:
    response = client.get(stored, headers={"Range": header})
    assert_problem(response, 416, "RANGE_NOT_SATISFIABLE")
    assert response.headers["content-range"] == f"bytes */{len(BODY)}"


def test_matching_if_none_match_is_304(client: TestClient, stored: str) -> None:
    etag = client.get(stored).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(stored, headers={"If-None-Match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert client.get(stored, headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_describes_without_a_body(client: TestClient, stored: str) -> None:
    response = client.head(stored)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(BODY))


def test_replaced_object_gets_a_new_etag(
    client: TestClient, stored: str, local_storage: LocalStorage
) -> None:
    before = client.get(stored).headers["etag"]
    local_storage.put_bytes(KEY, BODY[::-1], "video/mp4")  # only the platform replaces objects
    after = client.get(stored)
    assert after.headers["etag"] != before
    assert after.content == BODY[::-1]


def test_an_upload_url_is_single_use(
    client: TestClient, stored: str, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    """Issue 13 item 3: a second PUT of the same signed URL, other bytes of the same size."""
    before = client.get(stored)
    again = upload(client, local_storage, media_clock, BODY[::-1])
    assert_problem(again, 409, "UPLOAD_ALREADY_RECEIVED")
    after = client.get(stored)
    assert after.content == BODY
    assert after.headers["etag"] == before.headers["etag"]


def test_expired_download_url_is_refused(
    client: TestClient, stored: str, media_clock: FakeClock
) -> None:
    media_clock.advance(minutes=30)
    assert_problem(client.get(stored), 403, "URL_EXPIRED")


@pytest.mark.parametrize(
    "tamper",
    [
        {"sig": "A" * 43},
        {"sig": ""},
        {"expires": "4102444800"},  # a later expiry than was signed
    ],
)
def test_tampered_download_url_is_refused(
    client: TestClient, stored: str, tamper: dict[str, str]
) -> None:
    assert_problem(client.get(with_query(stored, **tamper)), 403, "SIGNATURE_INVALID")


def test_a_signature_for_one_key_does_not_open_another(
    client: TestClient, stored: str, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    upload(client, local_storage, media_clock, key="tenant-2/assets/asset-9/original.mp4")
    other = stored.replace("tenant-1/assets/asset-1", "tenant-2/assets/asset-9")
    assert_problem(client.get(other), 403, "SIGNATURE_INVALID")


def test_an_upload_url_cannot_download(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    presigned = local_storage.presign_put(
        KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=5)
    )
    upload(client, local_storage, media_clock)
    assert_problem(client.get(presigned.url), 403, "SIGNATURE_INVALID")


def test_missing_object_with_a_valid_signature_is_404(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    assert_problem(client.get(download_url(local_storage, media_clock)), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/tenant-1/%2e%2e/%2e%2e/secret",
        "/media/tenant-1/assets/asset-1/.original.mp4.abc.part",
        "/media/tenant-1%2F..%2F..%2Fsecret",
    ],
)
def test_paths_outside_the_key_grammar_name_nothing(
    client: TestClient, stored: str, path: str
) -> None:
    query = urlsplit(stored).query
    assert_problem(client.get(f"{path}?{query}"), 404, "NOT_FOUND")


def test_other_methods_are_problem_json(client: TestClient, stored: str) -> None:
    assert_problem(client.delete(stored), 405, "METHOD_NOT_ALLOWED")


@contextmanager
def served_origin(
    storage: LocalStorage, clock: FakeClock, settings: Settings
) -> Iterator[LocalStorage]:
    """The origin on a real uvicorn; yields a store that signs URLs for it."""
    app = FastAPI()
    app.add_api_route("/healthz", lambda: {"status": "ok"})
    app.mount("/media", create_media_origin(storage, clock=clock))
    with serve(app) as base_url:
        # Another replica's view of the same media: same directory, same secret, its own URL.
        yield LocalStorage(
            storage.root,
            public_base_url=base_url,
            signing_secret=settings.jwt_secret_value(),
            max_object_bytes=settings.max_upload_bytes,
            clock=clock,
        )


def test_over_a_real_socket_upload_then_resume_a_download(
    local_storage: LocalStorage, media_clock: FakeClock, media_settings: Settings
) -> None:
    with served_origin(local_storage, media_clock, media_settings) as signer:
        presigned = signer.presign_put(
            KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=5)
        )
        assert httpx.put(presigned.url, content=BODY, headers=dict(presigned.headers)).is_success
        url = download_url(signer, media_clock)
        with httpx.stream("GET", url) as partial:
            first = next(partial.iter_bytes(1000))  # the connection drops after some bytes
        rest = httpx.get(url, headers={"Range": f"bytes={len(first)}-"})
        assert rest.status_code == 206
        assert first + rest.content == BODY


# -- faults: storage that cannot be written, clients that go away (issue 13 items 9, 10) -----


@contextmanager
def file_size_limit(max_bytes: int) -> Iterator[None]:
    """A real write failure, even as root: no file of this process may grow past `max_bytes`
    (RLIMIT_FSIZE; Python ignores SIGXFSZ, so the write fails with EFBIG like a full disk)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def leftovers(storage: LocalStorage) -> list[Path]:
    return [path for path in storage.root.rglob("*") if path.is_file()]


def test_a_write_that_fails_is_a_503_problem_and_nothing_counts_as_received(
    client: TestClient, local_storage: LocalStorage, media_clock: FakeClock
) -> None:
    with file_size_limit(len(BODY) // 4):
        response = upload(client, local_storage, media_clock)
    assert_problem(response, 503, "STORAGE_UNAVAILABLE")
    assert response.headers["retry-after"].isdigit()
    assert not local_storage.exists(KEY)
    assert leftovers(local_storage) == []  # no half file, not even a hidden one
    assert upload(client, local_storage, media_clock).status_code == 200  # the URL still works


def test_a_media_directory_that_cannot_exist_is_a_503_problem(
    media_settings: Settings, media_clock: FakeClock, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file-not-a-directory"
    blocker.write_bytes(b"")
    broken = LocalStorage(
        blocker / "media",  # every mkdir and open under it fails with ENOTDIR, root or not
        public_base_url=media_settings.api_base_url,
        signing_secret=media_settings.jwt_secret_value(),
        max_object_bytes=media_settings.max_upload_bytes,
        clock=media_clock,
    )
    app = Starlette(routes=[Mount("/media", create_media_origin(broken, clock=media_clock))])
    with TestClient(app) as broken_client:
        assert_problem(upload(broken_client, broken, media_clock), 503, "STORAGE_UNAVAILABLE")
        download = broken_client.get(download_url(broken, media_clock))
        assert_problem(download, 503, "STORAGE_UNAVAILABLE")


def test_a_client_that_disconnects_mid_upload_is_one_warning_without_traceback(
    local_storage: LocalStorage,
    media_clock: FakeClock,
    media_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with served_origin(local_storage, media_clock, media_settings) as signer:
        uvicorn_log = logging.getLogger("uvicorn")  # does not propagate to the root logger
        uvicorn_log.addHandler(caplog.handler)
        try:
            presigned = signer.presign_put(
                KEY, "video/mp4", len(BODY), media_clock.now + timedelta(minutes=5)
            )
            put_half_and_hang_up(presigned.url, len(BODY))
            deadline = time.monotonic() + 10
            while not [r for r in caplog.records if r.levelno >= logging.WARNING]:
                assert time.monotonic() < deadline, "the server never noticed the disconnect"
                time.sleep(0.05)
            time.sleep(0.2)  # anything logged right after the first line
        finally:
            uvicorn_log.removeHandler(caplog.handler)
        noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.levelno for r in noted] == [logging.WARNING], [r.getMessage() for r in noted]
        assert noted[0].exc_info is None
        assert "disconnect" in noted[0].getMessage()
        assert not local_storage.exists(KEY)
        assert leftovers(local_storage) == []
        retried = httpx.put(presigned.url, content=BODY, headers=dict(presigned.headers))
        assert retried.status_code == 200  # the abandoned PUT did not count as received


def put_half_and_hang_up(url: str, size: int) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=5) as sock:
        head = (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: video/mp4\r\nContent-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode() + BODY[: size // 2])
        time.sleep(0.3)  # the server is now reading the body


# -- a browser player on another origin (issue 20) -----------------------------------------


def test_a_browser_on_another_origin_may_read_and_resume_a_signed_download(
    client: TestClient, stored: str
) -> None:
    origin = {"Origin": "https://player.example"}
    preflight = client.options(
        stored,
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Range" in preflight.headers["access-control-allow-headers"]
    assert "GET" in preflight.headers["access-control-allow-methods"]
    part = client.get(stored, headers={**origin, "Range": "bytes=10-"})
    assert part.status_code == 206
    assert part.headers["access-control-allow-origin"] == "*"
    exposed = part.headers["access-control-expose-headers"]
    assert "Content-Range" in exposed
    assert "ETag" in exposed


def test_a_refusal_is_readable_cross_origin_too(
    client: TestClient, stored: str, media_clock: FakeClock
) -> None:
    media_clock.advance(minutes=30)
    refused = client.get(stored, headers={"Origin": "https://player.example"})
    assert_problem(refused, 403, "URL_EXPIRED")
    assert refused.headers["access-control-allow-origin"] == "*"
