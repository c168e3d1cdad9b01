from hypothesis import given
from hypothesis import strategies as st

from player.state_machine import (
    CheckPlayable,
    ClearToken,
    ContentChanged,
    Emit,
    InitComplete,
    LocalLoaded,
    ManifestSource,
    Paired,
    PlayableChecked,
    PlaybackImpossible,
    PlayerState,
    RestartRotation,
    ShowErrorScreen,
    ShowPairingScreen,
    StartPlayback,
    TokenInvalid,
    heartbeat_state,
    transition,
)


def emitted(effects):
    return [e.event_type for e in effects if isinstance(e, Emit)]


def test_boot_with_token_loads_local_and_announces_start():
    state, effects = transition(PlayerState.BOOT, InitComplete(has_token=True))
    assert state is PlayerState.LOAD_LOCAL
    assert emitted(effects) == ["APP_STARTED"]


def test_boot_without_token_shows_pairing():
    state, effects = transition(PlayerState.BOOT, InitComplete(has_token=False))
    assert state is PlayerState.UNREGISTERED
    assert ShowPairingScreen() in effects


def test_corrupt_local_manifest_is_reported_and_checked_anyway():
    state, effects = transition(
        PlayerState.LOAD_LOCAL, LocalLoaded((("currentManifest.json", "bad json"),))
    )
    assert state is PlayerState.PLAYABLE_CHECK
    assert emitted(effects) == ["LOCAL_MANIFEST_CORRUPT"]
    assert CheckPlayable() in effects


def test_previous_manifest_is_a_reported_fallback():
    state, effects = transition(
        PlayerState.PLAYABLE_CHECK, PlayableChecked(ManifestSource.PREVIOUS, "e:2", "e:1")
    )
    assert state is PlayerState.PLAYING
    assert emitted(effects) == ["FALLBACK_TO_PREVIOUS_MANIFEST"]
    assert StartPlayback(ManifestSource.PREVIOUS) in effects


def test_nothing_playable_shows_the_error_screen():
    state, effects = transition(PlayerState.PLAYABLE_CHECK, PlayableChecked(ManifestSource.NONE))
    assert state is PlayerState.ERROR_SCREEN
    assert emitted(effects) == ["NO_PLAYABLE_CONTENT", "ERROR_SCREEN_ENTERED"]
    assert any(isinstance(e, ShowErrorScreen) for e in effects)


def test_error_screen_rechecks_when_content_arrives():
    assert transition(PlayerState.ERROR_SCREEN, ContentChanged()) == (
        PlayerState.PLAYABLE_CHECK,
        (CheckPlayable(),),
    )


def test_pairing_completes_into_load_local():
    assert transition(PlayerState.UNREGISTERED, Paired())[0] is PlayerState.LOAD_LOCAL


events = st.one_of(
    st.builds(InitComplete, st.booleans()),
    st.just(LocalLoaded()),
    st.builds(PlayableChecked, st.sampled_from(list(ManifestSource))),
    st.just(ContentChanged()),
    st.just(RestartRotation()),
    st.builds(PlaybackImpossible, st.text(max_size=5)),
    st.just(TokenInvalid()),
    st.just(Paired()),
)


@given(st.lists(events, max_size=40))
def test_every_event_sequence_keeps_the_machine_consistent(sequence):
    state = PlayerState.BOOT
    for event in sequence:
        new_state, effects = transition(state, event)
        if isinstance(event, TokenInvalid):
            assert new_state is PlayerState.UNREGISTERED
            assert ClearToken() in effects
        # Playing is only ever entered together with an instruction to start playback.
        if new_state is PlayerState.PLAYING and state is not PlayerState.PLAYING:
            assert any(isinstance(e, StartPlayback) for e in effects)
        # The error screen is only ever entered because nothing was playable (§28.4).
        if new_state is PlayerState.ERROR_SCREEN and state is not PlayerState.ERROR_SCREEN:
            assert event == PlayableChecked(ManifestSource.NONE)
        if new_state == state and not isinstance(event, TokenInvalid):
            assert all(not isinstance(e, ShowErrorScreen) for e in effects)
        assert heartbeat_state(new_state) in {"PLAYING", "ERROR_SCREEN", "PAIRING", "BOOTING"}
        state = new_state
