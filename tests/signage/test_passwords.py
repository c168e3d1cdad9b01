from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from signage.auth import passwords
from signage.auth.passwords import hash_password, matching, needs_rehash, verify_password


def test_hashes_are_argon2id_with_owasp_minimum_parameters() -> None:
    stored = hash_password("correct horse battery staple")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024  # KiB
    assert params.time_cost >= 2
    assert params.parallelism == 1
    assert params.salt_len >= 16


def test_verify_accepts_the_right_password_only() -> None:
    stored = hash_password("correct horse battery staple")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "Correct horse battery staple")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same") != hash_password("same")


def test_weaker_hashes_are_upgraded_on_next_login() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("pw")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("pw"))


def test_a_hash_made_like_another_shares_its_salt_and_parameters_only() -> None:
    first = hash_password("first-password-1")
    second = hash_password("second-password-2", like=first)
    assert first.rsplit("$", 1)[0] == second.rsplit("$", 1)[0]
    assert first != second
    assert verify_password(second, "second-password-2")


def test_matching_says_which_hashes_a_password_opens() -> None:
    first = hash_password("first-password-1")
    alike = [first, hash_password("second-password-2", like=first)]
    others = [hash_password("first-password-1"), "not-a-hash"]
    assert matching([*alike, *others], "first-password-1") == [True, False, True, False]
    assert matching(alike, "second-password-2") == [False, True]
    assert matching([], "anything") == []


def _argon2_computations(
    monkeypatch: pytest.MonkeyPatch, hashes: list[str], password: str = "a-wrong-password"
) -> int:
    """How many argon2 computations `matching` does: the real ones, counted on their way."""
    count = 0

    def counted(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            count += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(passwords, "_recompute", counted(passwords._recompute))
    monkeypatch.setattr(passwords, "verify_password", counted(passwords.verify_password))
    matching(hashes, password)
    monkeypatch.undo()
    return count


def test_matching_the_accounts_of_one_address_costs_one_hash_however_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Login's work must not say how many tenants hold an address (issue 13 item 10): accounts
    of one address share salt and parameters, so one computation checks them all; with no
    account at all, the dummy's one computation is done."""
    first = hash_password("first-password-1")
    alike = [first] + [hash_password(f"pw-{i}-long", like=first) for i in range(5)]
    unalike = [hash_password(f"pw-{i}-long") for i in range(6)]
    assert _argon2_computations(monkeypatch, [first]) == 1
    assert _argon2_computations(monkeypatch, alike) == 1
    assert _argon2_computations(monkeypatch, []) == 1
    assert _argon2_computations(monkeypatch, unalike) == 6  # the count does see extra hashes
