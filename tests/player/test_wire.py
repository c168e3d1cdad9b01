import pytest

from player.wire import Manifest, WireFormatError, format_utc
from tests.player.factories import T0, item_json, manifest_json


def test_manifest_round_trips_the_documented_fields():
    body = manifest_json("e:1", [item_json("a", "VIDEO", 5)])
    parsed = Manifest.from_json(body)
    assert parsed.manifest_etag == "e:1"
    assert parsed.items[0].type == "VIDEO"
    assert parsed.items[0].duration_seconds == 5
    assert parsed.settings.run_mode == "KIOSK"
    assert parsed.raw is body


def test_null_playlist_is_a_valid_manifest_with_no_items():
    assert Manifest.from_json(manifest_json("e:1", None)).items == ()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("manifestEtag"),
        lambda b: b.update(validToUtc="2026-06-15T12:00:00"),
        lambda b: b.update(nextCheckSeconds=True),
        lambda b: b["playlist"]["items"][0].update(type="AUDIO"),
        lambda b: b["playlist"]["items"][0].update(checksumSha256="xyz"),
        lambda b: b.update(playlist=[]),
        lambda b: b["settings"].update(cacheBudgetBytes=0),
        lambda b: b["settings"].update(cacheBudgetBytes=True),
        lambda b: b["settings"].update(cacheBudgetBytes="2GB"),
    ],
)
def test_schema_violations_are_rejected(mutate):
    body = manifest_json("e:1", [item_json("a")])
    mutate(body)
    with pytest.raises(WireFormatError):
        Manifest.from_json(body)


def test_timestamps_are_formatted_in_utc_with_z():
    assert format_utc(T0) == "2026-06-15T12:00:00Z"


def test_the_screen_extension_becomes_one_label_and_is_optional():
    body = manifest_json("e:1", None)
    assert Manifest.from_json(body).screen_label is None
    body["screen"] = {"deviceName": "Bar screen", "venueName": "Fortescue Arms"}
    assert Manifest.from_json(body).screen_label == "Bar screen · Fortescue Arms"
    body["screen"] = {"deviceName": " ", "venueName": 7}
    assert Manifest.from_json(body).screen_label is None
    body["screen"] = "not an object"
    assert Manifest.from_json(body).screen_label is None


def test_the_cache_budget_setting_is_optional():
    body = manifest_json("e:1", None)
    assert Manifest.from_json(body).settings.cache_budget_bytes is None
    body["settings"]["cacheBudgetBytes"] = 1024**3
    assert Manifest.from_json(body).settings.cache_budget_bytes == 1024**3
