"""Which sent items reached which subscribers, and when. Pure: times come in as arguments."""

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cvihub_bench.stats import Summary, summarize


@dataclass
class Tracker:
    """Sent keys (with the time the send was acknowledged) against verified arrivals."""

    expected_per_key: int
    sent_at: dict[str, float] = field(default_factory=dict)
    arrivals: dict[str, dict[str, float]] = field(default_factory=dict)
    duplicates: int = 0
    _incomplete: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def sent(self, key: str, at: float) -> None:
        """A send was acknowledged (intake's 202, the broker's ack) at this time."""
        self.sent_at[key] = at
        if len(self.arrivals.get(key, {})) < self.expected_per_key:
            self._incomplete[key] = None

    def arrived(self, records: Iterable[tuple[str, str, float]]) -> None:
        """Verified arrivals (subscriber, key, time); keys of other runs are kept but unused."""
        for subscriber, key, at in records:
            seen = self.arrivals.setdefault(key, {})
            if subscriber in seen:
                self.duplicates += 1
                continue
            seen[subscriber] = at
            if len(seen) >= self.expected_per_key:
                self._incomplete.pop(key, None)

    @property
    def expected(self) -> int:
        """Deliveries owed: every acknowledged send times the subscribers."""
        return len(self.sent_at) * self.expected_per_key

    @property
    def delivered(self) -> int:
        """Deliveries of acknowledged sends that arrived (first arrival per subscriber)."""
        return sum(len(self.arrivals.get(key, {})) for key in self.sent_at)

    @property
    def outstanding(self) -> int:
        """Deliveries owed and not yet arrived."""
        return self.expected - self.delivered

    def oldest_outstanding_age(self, now: float) -> float:
        """Seconds since the oldest acknowledged send that has not fully arrived; 0 if none."""
        for key in self._incomplete:
            return max(0.0, now - self.sent_at[key])
        return 0.0

    def latencies_ms(self) -> list[float]:
        """Milliseconds from each acknowledged send to each of its arrivals."""
        return [
            (at - sent) * 1000.0
            for key, sent in self.sent_at.items()
            for at in self.arrivals.get(key, {}).values()
        ]

    def last_arrival_ms(self) -> float | None:
        """Milliseconds from the first acknowledged send to the last arrival, if any arrived."""
        if not self.sent_at:
            return None
        times = [at for key in self.sent_at for at in self.arrivals.get(key, {}).values()]
        return (max(times) - min(self.sent_at.values())) * 1000.0 if times else None

    def summary(self) -> Summary | None:
        """Percentiles of the latencies."""
        return summarize(self.latencies_ms())
