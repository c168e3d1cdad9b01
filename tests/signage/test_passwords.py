from __future__ import annotations

import time

from argon2 import PasswordHasher, Type, extract_parameters

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


def _fastest_of_three(hashes: list[str]) -> float:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        matching(hashes, "a-wrong-password")
        timings.append(time.perf_counter() - started)
    return min(timings)  # the least disturbed by other load on the machine


def test_matching_the_accounts_of_one_address_costs_one_hash_however_many() -> None:
    """Login's duration must not say how many tenants hold an address (issue 13 item 10)."""
    first = hash_password("first-password-1")
    one = _fastest_of_three([first])
    none = _fastest_of_three([])
    alike = _fastest_of_three(
        [first] + [hash_password(f"pw-{i}-long", like=first) for i in range(5)]
    )
    unalike = _fastest_of_three([hash_password(f"pw-{i}-long") for i in range(6)])
    assert unalike > 3 * one  # the measurement can see extra hashes...
    assert alike < 2 * one  # ...and there are none
    assert none < 2 * one
