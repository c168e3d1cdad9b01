from __future__ import annotations

import json
import logging

from signage.observability import JsonFormatter, request_id_var, scrub


def test_scrub_removes_bearer_tokens_jwts_and_named_secrets() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    line = f"Authorization: Bearer abc.def-123 token={jwt} password=hunter2 sig=deadbeef"
    cleaned = scrub(line)
    for secret in ("abc.def-123", jwt, "hunter2", "deadbeef"):
        assert secret not in cleaned
    assert "[REDACTED]" in cleaned


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord("api", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    token = request_id_var.set("req_123")
    try:
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["msg"] == "hello world"
    assert entry["requestId"] == "req_123"
    assert entry["level"] == "INFO"
