"""Per-endpoint lanes: how many requests one endpoint may have in flight, and a circuit breaker
per endpoint, so one dead or slow endpoint never delays anyone else's deliveries.

In memory, per worker: a breaker is this worker's view of an endpoint's health. Closed, an
endpoint takes up to `per_endpoint` requests at once; after `failures` failed attempts in a
row it opens, and its deliveries wait (pending, due) for `cooldown_seconds`; then one trial
attempt (half-open) closes it again on success or reopens it on failure.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Breaker:
    failures: int = 0
    opened_at: float | None = None


class Lanes:
    """The in-flight count and breaker of every endpoint (subscription) this worker sends to."""

    def __init__(
        self,
        *,
        per_endpoint: int,
        failures: int,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_endpoint = per_endpoint
        self._threshold = failures
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._in_flight: dict[str, int] = {}
        self._breakers: dict[str, _Breaker] = {}

    def is_open(self, subscription_id: str) -> bool:
        """Whether the endpoint's breaker holds its deliveries back now."""
        breaker = self._breakers.get(subscription_id)
        if breaker is None or breaker.opened_at is None:
            return False
        cooling = self._clock() - breaker.opened_at < self._cooldown
        # Half-open after the cooldown: one trial attempt at a time.
        return cooling or self._in_flight.get(subscription_id, 0) > 0

    def blocked(self) -> list[str]:
        """Endpoints not to claim for now: breaker open, or lane full."""
        full = {s for s, n in self._in_flight.items() if n >= self.per_endpoint}
        return sorted(full | {s for s in self._breakers if self.is_open(s)})

    def occupied(self) -> dict[str, int]:
        """Slots taken per endpoint; a half-open endpoint counts as all but one taken."""
        taken = dict(self._in_flight)
        for subscription_id, breaker in self._breakers.items():
            if breaker.opened_at is not None:
                taken[subscription_id] = max(taken.get(subscription_id, 0), self.per_endpoint - 1)
        return taken

    def started(self, subscription_id: str) -> None:
        """A request to the endpoint is in flight."""
        self._in_flight[subscription_id] = self._in_flight.get(subscription_id, 0) + 1

    def finished(self, subscription_id: str, *, healthy: bool | None) -> None:
        """The request ended; `healthy` None = it says nothing of the endpoint's health."""
        left = self._in_flight.get(subscription_id, 0) - 1
        if left > 0:
            self._in_flight[subscription_id] = left
        else:
            self._in_flight.pop(subscription_id, None)
        if healthy is None:
            return
        if healthy:
            self._breakers.pop(subscription_id, None)
            return
        breaker = self._breakers.setdefault(subscription_id, _Breaker())
        breaker.failures += 1
        if breaker.opened_at is not None or breaker.failures >= self._threshold:
            breaker.opened_at = self._clock()  # (re)open: a failed trial waits a new cooldown


def is_healthy(status_code: int | None) -> bool:
    """Whether an answer says the endpoint is up: no answer, 5xx and 429 say it is not."""
    if status_code is None:
        return False
    return status_code < 500 and status_code != 429
