"""Manifest sync (§28.5, §28.6): poll the manifest, stage a new one, apply it when it may play.

A poll sends the ETag it has (304: nothing new). A new manifest is staged on disk, then applied
at once, at the next item boundary, or rejected, as `staging.decide_apply` says. Failures back
off with jitter and honour Retry-After (`sync_policy.next_poll_delay`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from player.api_client import ApiError, ManifestFetch, ManifestInvalidError
from player.asset_cache import AssetCache
from player.background_jobs import BackgroundJobs, DueTimes, Job, JobKind
from player.downloads import remove_partial_files
from player.machine import Machine
from player.manifests import ManifestSlots, etag_of
from player.network import Network
from player.outbox import Outbox
from player.rotation import Rotation
from player.staging import ApplyDecision, StagingInputs, decide_apply
from player.state_machine import PlayerState
from player.store import DataDir
from player.sync_policy import SyncInputs, next_poll_delay
from player.telemetry import ErrorCounters
from player.wire import Manifest

LOG = logging.getLogger("player")


class ManifestSync:
    """Polls, stages and applies manifests; `failures` counts polls failed in a row."""

    def __init__(
        self,
        store: DataDir,
        manifests: ManifestSlots,
        cache: AssetCache,
        rotation: Rotation,
        machine: Machine,
        network: Network,
        jobs: BackgroundJobs,
        due: DueTimes,
        outbox: Outbox,
        counters: ErrorCounters,
        jitter: float,
        on_token_renewed: Callable[[str], None],
    ) -> None:
        self._store = store
        self._manifests = manifests
        self._cache = cache
        self._rotation = rotation
        self._machine = machine
        self._network = network
        self._jobs = jobs
        self._due = due
        self._outbox = outbox
        self._counters = counters
        self._jitter = jitter
        self._on_token_renewed = on_token_renewed
        self.failures = 0
        self._apply_pending = False
        self._rejected_etag: str | None = None  # the invalid manifest last reported

    # ---- polling (§28.6) -----------------------------------------------------------------

    def poll(self) -> None:
        """Fetch the manifest when due, with the ETag of what we have."""
        if not self._due.ready(self._jobs, JobKind.MANIFEST):
            return
        etag = etag_of(self._manifests.staged or self._manifests.current)
        self._jobs.start(
            Job(
                JobKind.MANIFEST,
                partial(self._network.api.fetch_manifest, etag),
                on_result=self._fetched,
                on_error=self._fetch_failed,
            )
        )

    def poll_now(self) -> None:
        """REQUEST_MANIFEST_REFRESH, or just paired: poll at the next turn."""
        self._due.due_in(JobKind.MANIFEST, 0.0)

    def _fetched(self, fetch: ManifestFetch) -> None:
        self.failures = 0
        if fetch.renewed_token is not None:
            self._on_token_renewed(fetch.renewed_token)
        if fetch.manifest is not None:
            self._consider(fetch.manifest)
            self._outbox.align_heartbeat()
        self._due.due_in(JobKind.MANIFEST, self._next_poll(None))

    def _consider(self, manifest: Manifest) -> None:
        etag = manifest.manifest_etag
        staged, current = self._manifests.staged, self._manifests.current
        if staged is not None and etag == staged.manifest_etag:
            return
        if current is not None and etag == current.manifest_etag:
            if staged is not None:
                self._reject_staged("SUPERSEDED")  # the server went back to what is playing
            return
        # Staged again after a REJECT (issue 20, found by the conformance kit): its files are
        # tried afresh rather than refused for good from memory.
        self._network.downloads.retry_afresh(manifest.asset_ids())
        self._manifests.stage(manifest)
        self._outbox.emit("MANIFEST_STAGED", "INFO", {"manifestEtag": etag})
        LOG.info("staged manifest %s", etag)

    def _fetch_failed(self, error: ApiError) -> None:
        self.failures += 1
        if isinstance(error, ManifestInvalidError):
            self._reject_invalid(error)
            return
        self._counters.manifest_fetch_failures += 1
        payload = {"httpStatus": error.status, "reason": error.reason}
        self._outbox.emit("MANIFEST_FETCH_FAILED", "WARNING", payload)
        self._due.due_in(JobKind.MANIFEST, self._next_poll(error))

    def _reject_invalid(self, error: ManifestInvalidError) -> None:
        """§28.5 "reject if invalid": the fetch worked, the document did not. Reported once
        per ETag (the server sends it again at every poll); polls back off meanwhile."""
        if error.manifest_etag is None or error.manifest_etag != self._rejected_etag:
            LOG.warning("rejected invalid manifest %s: %s", error.manifest_etag, error.reason)
            payload = {
                "manifestEtag": error.manifest_etag,
                "reason": "INVALID",
                "detail": error.reason,
            }
            self._outbox.emit("MANIFEST_REJECTED", "WARNING", payload)
        self._rejected_etag = error.manifest_etag
        self._due.due_in(JobKind.MANIFEST, self._next_poll(error))

    def _next_poll(self, error: ApiError | None) -> float:
        active = self._manifests.current or self._manifests.staged
        return next_poll_delay(
            SyncInputs(
                now=self._network.wire_now(),
                next_check_seconds=self._manifests.cadence(),
                valid_to_utc=active.valid_to_utc if active else None,
                consecutive_failures=self.failures,
                retry_after_seconds=error.retry_after if error else None,
                jitter=self._jitter,
            )
        )

    # ---- staging and applying (§28.5) ----------------------------------------------------

    def evaluate_staged(self) -> None:
        """Apply the staged manifest now, at the next boundary, or reject it."""
        staged = self._manifests.staged
        if staged is None or self._machine.state in (PlayerState.UNREGISTERED, PlayerState.BOOT):
            return
        decision = decide_apply(
            StagingInputs(
                staged=staged,
                current=self._manifests.current,
                cached=self._cache.playable_ids(staged),
                failed_permanently=self._network.downloads.failed_permanently(),
                now=self._network.wire_now(),
                current_playable=self._cache.is_playable(self._manifests.current),
                on_screen=self._rotation.now_playing is not None,
            )
        )
        self._apply_pending = decision is ApplyDecision.APPLY_AT_BOUNDARY
        if decision is ApplyDecision.APPLY_NOW:
            self._apply_staged()
        elif decision is ApplyDecision.REJECT:
            self._reject_staged("ASSETS_UNAVAILABLE")

    def apply_at_boundary(self) -> bool:
        """At an item boundary: apply a staged manifest waiting for one; True if it did."""
        if not (self._apply_pending and self._manifests.staged is not None):
            return False
        self._apply_staged()
        return True

    def _reject_staged(self, reason: str) -> None:
        assert self._manifests.staged is not None
        etag = self._manifests.staged.manifest_etag
        LOG.warning("rejected staged manifest %s: %s", etag, reason)
        self._outbox.emit("MANIFEST_REJECTED", "WARNING", {"manifestEtag": etag, "reason": reason})
        self._manifests.drop_staged()

    def _apply_staged(self) -> None:
        previous_etag = etag_of(self._manifests.current)
        applied = self._manifests.promote_staged()
        self._apply_pending = False
        payload = {"manifestEtag": applied.manifest_etag, "previousEtag": previous_etag}
        self._outbox.emit("MANIFEST_APPLIED", "INFO", payload)
        LOG.info("applied manifest %s (was %s)", applied.manifest_etag, previous_etag)
        keep = self._rotation.protected_ids() | self._network.downloads.busy()
        remove_partial_files(self._store.downloads_dir, keep)
        self._rotation.restart_with_new_content()
