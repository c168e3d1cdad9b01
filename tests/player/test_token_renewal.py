"""The player keeps its device token alive for years (§25.7 rotating tokens, issue 15 item 1)."""

from datetime import timedelta

from player.state_machine import PlayerState
from tests.player.fake_platform import FakePlatform
from tests.player.harness import Harness, MakePlayer, publish_abc

STEP = timedelta(days=5)


def poll_once(h: Harness, platform: FakePlatform) -> None:
    """Tick until one more manifest answer and the requests after it were served, checking
    the screen never leaves PLAYING meanwhile."""
    requests = platform.state.requests
    manifests, beats = requests["/v1/player/manifest"], requests["/v1/player/heartbeat"]
    for _ in range(400):
        h.step()
        assert h.player.state is PlayerState.PLAYING
        if requests["/v1/player/manifest"] > manifests and requests["/v1/player/heartbeat"] > beats:
            return
    raise AssertionError("no manifest poll and heartbeat within 40 fake seconds")


def playing_with_expiring_tokens(platform: FakePlatform, make_player: MakePlayer) -> Harness:
    """A playing screen whose token ends a year after now, by the player's clock."""
    publish_abc(platform)
    h = make_player()
    platform.expire_tokens(h.clock.now)
    h.warm()
    return h


def test_a_screen_plays_for_800_days_renewing_its_token(platform, make_player):
    h = playing_with_expiring_tokens(platform, make_player)
    first_token = platform.state.token
    for _ in range(round(timedelta(days=800) / STEP)):
        h.clock.advance(STEP.total_seconds())
        poll_once(h, platform)
    assert platform.state.renewals >= 2
    assert platform.state.token != first_token
    assert h.player.store.read_token() == platform.state.token  # persisted, and in use
    assert "DEVICE_TOKEN_INVALID" not in platform.event_types()


def test_a_lost_renewal_keeps_the_old_token_working(platform, make_player):
    h = playing_with_expiring_tokens(platform, make_player)
    old = platform.state.token
    h.clock.advance(timedelta(days=340).total_seconds())
    # Every offer is lost until the heartbeat is through: how many manifest answers come
    # before it depends on the background threads' timing.
    platform.state.lost_renewals = 1_000
    poll_once(h, platform)
    lost = platform.state.successor
    assert lost is not None
    assert h.player.store.read_token() == old  # still accepted: the heartbeat got through
    platform.state.lost_renewals = 0
    poll_once(h, platform)  # offers a new successor, which the player keeps and uses
    poll_once(h, platform)
    assert platform.state.token not in (old, lost)
    assert h.player.store.read_token() == platform.state.token
