from player.recorder import Frame, ScreenKind, ScreenRecorder


def test_time_before_the_first_frame_is_blank_and_each_frame_lasts_until_the_next():
    recorder = ScreenRecorder()
    recorder.record(Frame(10.0, ScreenKind.ERROR))
    recorder.record(Frame(12.0, ScreenKind.CONTENT, "a"))
    recorder.record(Frame(13.0, ScreenKind.CONTENT, "b"))
    assert recorder.seconds_showing({ScreenKind.BLANK}, 0.0, 20.0) == 10.0
    assert recorder.seconds_showing({ScreenKind.ERROR}, 0.0, 20.0) == 2.0
    assert recorder.seconds_showing({ScreenKind.CONTENT}, 11.0, 20.0) == 8.0
    assert recorder.first_content_at() == 12.0
    assert recorder.asset_sequence() == ["a", "b"]
