"""moto's S3 server with its objects kept across restarts: writes are recorded (moto's own
recorder) to MOTO_RECORDER_FILEPATH and replayed into the fresh server at start."""

import os
import signal
import threading

from moto.moto_api import recorder
from moto.server import ThreadedMotoServer


def main() -> None:
    server = ThreadedMotoServer(ip_address="0.0.0.0", port=5000)  # noqa: S104
    server.start()
    path = os.environ["MOTO_RECORDER_FILEPATH"]
    if os.path.exists(path):
        recorder.replay_recording(target_host="http://127.0.0.1:5000")
    recorder.start_recording()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
