"""Pairing (§8, §28.10): get a code for the screen, wait for a manager to claim it, keep the token.

An unpaired player asks for a pairing code and shows it (with a QR code) until a manager types
it; an expired code is replaced. A token the server refuses twice (§25.10) is forgotten and the
player pairs again, playing on from its cache meanwhile. A token the server renews on a
manifest answer (§25.7) replaces the stored one.
"""

from __future__ import annotations

import logging
from functools import partial

from player.api_client import ApiError
from player.background_jobs import BackgroundJobs, DueTimes, Job, JobKind, retry_delay
from player.machine import Machine
from player.network import Network
from player.slides import Slides
from player.state_machine import Paired, PlayerState, TokenInvalid
from player.store import DataDir
from player.wire import PairingStart, PairingStatus

LOG = logging.getLogger("player")
# What the wiring polls at once when a screen has just been paired.
FIRST_CALLS_AFTER_PAIRING = (JobKind.MANIFEST, JobKind.HEARTBEAT, JobKind.EVENTS, JobKind.COMMANDS)


class Pairing:
    """Owns the device token, the pairing code on screen and the device's id."""

    def __init__(
        self,
        store: DataDir,
        model: str,
        app_version: str,
        machine: Machine,
        network: Network,
        jobs: BackgroundJobs,
        due: DueTimes,
        slides: Slides,
        jitter: float,
    ) -> None:
        self._store = store
        self._model = model
        self._app_version = app_version
        self._machine = machine
        self._network = network
        self._jobs = jobs
        self._due = due
        self._slides = slides
        self._jitter = jitter
        self.token = store.read_token()
        self.device_id: str | None = None
        self.code: PairingStart | None = None  # the code on screen, while unpaired
        self._failures = 0

    def code_and_qr(self) -> tuple[str, str] | None:
        """What the pairing slide shows (None: no code yet, "connecting")."""
        code = self.code
        return (code.pairing_code, code.qr_payload) if code else None

    def poll(self) -> None:
        """Ask for a code (none yet, or expired), else ask whether ours was claimed."""
        if not self._due.ready(self._jobs, JobKind.PAIRING):
            return
        code, api = self.code, self._network.api
        if code is None or self._network.wire_now() >= code.expires_at_utc:
            hardware_id = self._store.hardware_id()
            call = partial(api.start_pairing, hardware_id, self._model, self._app_version)
            self._jobs.start(Job(JobKind.PAIRING, call, self._code_issued, self._failed))
        else:
            call_status = partial(api.pairing_status, code.pairing_id, code.pairing_secret)
            self._jobs.start(Job(JobKind.PAIRING, call_status, self._status, self._failed))

    def _code_issued(self, code: PairingStart) -> None:
        self._failures = 0
        self.code = code
        LOG.info("pairing code issued; waiting for a manager to claim this screen")
        self._slides.show_pairing(self.code_and_qr())
        self._due.due_in(JobKind.PAIRING, max(code.poll_seconds, 1))

    def _status(self, status: PairingStatus) -> None:
        self._failures = 0
        if status.status == "COMPLETED" and status.device_token:
            self._paired(status)
        elif status.status == "EXPIRED":
            self.code = None
            self._due.due_in(JobKind.PAIRING, 0.0)
        else:
            poll = self.code.poll_seconds if self.code else 5
            self._due.due_in(JobKind.PAIRING, max(poll, 1))

    def _failed(self, error: ApiError) -> None:
        self._failures += 1
        self._due.due_in(JobKind.PAIRING, retry_delay(self._failures, error, self._jitter))

    def _paired(self, status: PairingStatus) -> None:
        assert status.device_token is not None
        self._store.write_token(status.device_token)
        self.token = status.device_token
        self.device_id = status.device_id
        self.code = None
        LOG.info("paired as device %s", status.device_id)
        for kind in FIRST_CALLS_AFTER_PAIRING:
            self._due.due_in(kind, 0.0)
        self._machine.dispatch(Paired())

    def adopt_renewed_token(self, token: str) -> None:
        """§25.7: the server renewed our token. Stored atomically before any request sends it,
        so a crash leaves the old token (still valid until the new one is used) or the new."""
        if self.token is None or token == self.token:
            return  # forgotten meanwhile (CLEAR_TOKEN, re-pairing): not ours any more
        self._store.write_token(token)
        self.token = token
        LOG.info("device token renewed")

    def forget_token(self) -> None:
        """CLEAR_TOKEN: back to pairing."""
        self._store.clear_token()
        self.token = None
        self.code = None
        self._due.due_in(JobKind.PAIRING, 0.0)

    def token_rejected(self) -> None:
        if self._machine.state is not PlayerState.UNREGISTERED:
            LOG.error("device token rejected twice: re-pairing (§25.10)")
            self._machine.dispatch(TokenInvalid())
