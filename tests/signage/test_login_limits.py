"""Which login counters an attempt counts against (issue 13 item 8): the pure rule."""

from __future__ import annotations

from signage.ratelimit import DEFAULT_LIMITS, Limit, LimitCategory, login_limit_keys

OWNER = "203.0.113.10"
ATTACKER = "198.51.100.66"


def subject(category: LimitCategory, email: str, address: str | None) -> str:
    return dict(login_limit_keys(email, address))[category]


def test_section_27_1_limits_stay_and_the_ceiling_is_ten_times_higher() -> None:
    assert DEFAULT_LIMITS[LimitCategory.LOGIN_PER_IP] == Limit(10, 60)
    assert DEFAULT_LIMITS[LimitCategory.LOGIN_PER_ACCOUNT] == Limit(5, 60)
    assert DEFAULT_LIMITS[LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES] == Limit(50, 60)


def test_the_address_is_checked_first_then_the_account_from_it_then_the_account() -> None:
    assert [category for category, _ in login_limit_keys("a@x.example", OWNER)] == [
        LimitCategory.LOGIN_PER_IP,
        LimitCategory.LOGIN_PER_ACCOUNT,
        LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES,
    ]


def test_guessing_from_another_address_never_shares_the_owners_per_account_counter() -> None:
    per_account = LimitCategory.LOGIN_PER_ACCOUNT
    assert subject(per_account, "a@x.example", OWNER) != subject(
        per_account, "a@x.example", ATTACKER
    )


def test_the_ceiling_counts_the_account_from_every_address() -> None:
    ceiling = LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES
    assert subject(ceiling, "a@x.example", OWNER) == subject(ceiling, "a@x.example", ATTACKER)


def test_an_account_is_one_whatever_its_case_and_spacing() -> None:
    for category in LimitCategory.LOGIN_PER_ACCOUNT, LimitCategory.LOGIN_PER_ACCOUNT_ALL_ADDRESSES:
        assert subject(category, " A@X.example ", OWNER) == subject(category, "a@x.example", OWNER)


def test_a_peer_without_an_ip_address_is_counted_as_unknown() -> None:
    assert subject(LimitCategory.LOGIN_PER_IP, "a@x.example", None) == "unknown"
