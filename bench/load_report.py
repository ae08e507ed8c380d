"""What bench/load.py prints: submissions acknowledged and stored, updates expected and received, latencies.

Latency is always from sending a submission's PUT (CLOCK_MONOTONIC, shared by the processes
of the machine) to a socket's receipt of the update:

- own update: `kpi:own` at the submitting partner's dashboard, the one carrying the submitted
  value (exact: one per acknowledged submission and dashboard of that partner);
- group update: `kpi:update` of each group of the partner. A group shows new figures only
  after 3 changed partners (anonymity), so a submission waits for two more before any update
  can carry it. The database records which release first showed each submitted value
  (`release_contributions`); a release's update is timed from the last-sent submission it
  shows (the one that made it due, as in bench/live_latency.py) to every member dashboard.
  Releases of the run are known by their place in each dashboard's arrival order; a dashboard
  that received more or fewer updates than the group has releases is counted, not timed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from load_facts import ReleaseHistory, Snapshot
from load_traffic import ChatMessage, Submission

TARGET_P99 = 0.250


def percentiles(seconds: list[float]) -> str:
    if not seconds:
        return "no values"
    p50, p95, p99 = np.percentile(np.array(seconds) * 1000, [50, 95, 99])
    return f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   (n={len(seconds)})"


def p99(seconds: list[float]) -> float:
    return float(np.percentile(seconds, 99)) if seconds else float("nan")


@dataclass
class Verdict:
    """Why the target was missed (nothing lost, p99 below 250 ms): empty if it was met."""

    misses: list[str] = field(default_factory=list)

    def require(self, ok: bool, miss: str) -> None:
        if not ok:
            self.misses.append(miss)

    def latency(self, what: str, seconds: list[float]) -> None:
        self.require(bool(seconds) and p99(seconds) < TARGET_P99, f"{what} p99 {p99(seconds) * 1000:.0f} ms")


def submissions(subs: list[Submission], verdict: Verdict) -> None:
    acked = [s for s in subs if s.acked]
    errors = Counter(s.error for s in subs if s.error)
    lag = [s.sent - s.due for s in subs]
    span = max(s.sent for s in subs) - min(s.sent for s in subs) if subs else 0
    print(f"submissions: {len(subs)} sent in {span:.1f} s; late against the schedule by {percentiles(lag)}")
    answered = max(s.answered for s in subs) - min(s.sent for s in subs) if subs else 0
    print(
        f"  acknowledged {len(acked)}, errors {sum(errors.values())}"
        + (f" {dict(errors)}" if errors else "")
        + f"; the last answer came {answered:.1f} s after the first send ({len(subs) / max(answered, 1e-9):.1f}/s)"
    )
    print(f"  PUT answered                  {percentiles([s.answered - s.sent for s in acked])}")
    verdict.require(not errors, f"{sum(errors.values())} submissions failed")


def stored(
    subs: list[Submission], before: Snapshot, after: Snapshot, values: dict[int, float], verdict: Verdict
) -> None:
    acked = sum(1 for s in subs if s.acked)
    revisions = after.revisions - before.revisions
    reports = after.report_revisions - before.report_revisions
    last: dict[int, Submission] = {}
    for s in sorted(subs, key=lambda s: s.sent):
        last[s.partner] = s
    checked = [s for s in last.values() if s.acked]
    wrong = [s.partner for s in checked if not np.isclose(values.get(s.partner, np.nan), s.value, rtol=1e-12)]
    print(
        f"stored: {revisions} new revisions of the figure, month report revisions +{reports} "
        f"(acknowledged {acked}; stored without acknowledgement {max(0, revisions - acked)})"
    )
    print(
        f"  {len(checked)} partners' stored values checked against their last acknowledged submission: "
        f"{len(wrong)} differ" + (f" (partners {wrong[:10]})" if wrong else "")
    )
    verdict.require(revisions >= acked and reports >= acked, f"stored {revisions} of {acked} acknowledged")
    verdict.require(not wrong, f"{len(wrong)} stored values differ")


def own_updates(
    subs: list[Submission], own: list[tuple[int, float | None, float]], dashboards: Counter[int], verdict: Verdict
) -> None:
    """`dashboards`: partner no -> its dashboards connected at the start."""
    arrived: dict[tuple[int, float], list[float]] = defaultdict(list)
    for partner, value, at in own:
        if value is not None:
            arrived[(partner, round(value, 2))].append(at)
    watched = [s for s in subs if s.acked and dashboards[s.partner]]
    expected = sum(dashboards[s.partner] for s in watched)
    latencies = [at - s.sent for s in watched for at in arrived.get((s.partner, round(s.value, 2)), [])]
    print(f"own updates (kpi:own at the submitting partner's dashboard): delivered {len(latencies)} of {expected}")
    print(f"  submission -> own update      {percentiles(latencies)}")
    verdict.require(len(latencies) >= expected, f"own updates {expected - len(latencies)} lost")
    verdict.latency("own update", latencies)


@dataclass(frozen=True)
class GroupResult:
    name: str
    dashboards: int
    releases: int
    expected: int
    received: int
    fewer: int  # dashboards with fewer updates than the group had releases (not timed)
    more: int  # dashboards with more updates than releases (not timed)
    each: list[float]  # releasing submission -> every dashboard's update
    last: list[float]  # releasing submission -> the last dashboard's update, per release
    shown: list[float]  # every submission -> the last dashboard's update that shows it
    pending: int  # acknowledged submissions of members no release showed


def group_result(
    name: str,
    subs: list[Submission],
    members: frozenset[int],
    arrivals: list[list[float]],
    history: ReleaseHistory | None,
    start: int,
) -> GroupResult:
    """`arrivals`: per member dashboard connected at the start, its updates of the group in arrival order;
    `start`: the group's releases before the run."""
    releases = len(history.matrix) - start if history is not None else 0
    aligned = [times for times in arrivals if len(times) == releases]
    first_shown: dict[int, list[Submission]] = defaultdict(list)
    pending = 0
    for s in subs:
        if s.partner in members:
            r = history.first_with(s.partner, s.value, start) if history is not None else None
            if r is not None:
                first_shown[r - start].append(s)
            elif s.acked:
                pending += 1
    each, last, shown = [], [], []
    for k, shows in first_shown.items():
        receipts = [times[k] for times in aligned]
        if not receipts:
            continue
        trigger = max(s.sent for s in shows)
        each += [t - trigger for t in receipts]
        last.append(max(receipts) - trigger)
        shown += [max(receipts) - s.sent for s in shows]
    return GroupResult(
        name,
        len(arrivals),
        releases,
        releases * len(arrivals),
        sum(len(times) for times in arrivals),
        sum(1 for times in arrivals if len(times) < releases),
        sum(1 for times in arrivals if len(times) > releases),
        each,
        last,
        shown,
        pending,
    )


def group_updates(results: list[GroupResult], verdict: Verdict) -> None:
    each = [t for g in results for t in g.each]
    expected, received = sum(g.expected for g in results), sum(g.received for g in results)
    print(
        f"group updates (kpi:update at member dashboards): {sum(g.releases for g in results)} releases, "
        f"delivered {received} of {expected}"
    )
    print(f"  releasing submission -> each dashboard   {percentiles(each)}")
    print(f"  releasing submission -> last dashboard   {percentiles([t for g in results for t in g.last])}")
    shown = [t for g in results for t in g.shown]
    print(f"  any submission -> last dashboard showing it    {percentiles(shown)}  (incl. waiting for 2 more)")
    for g in results:
        note = f"; not timed: {g.fewer} dashboards with fewer updates, {g.more} with more" if g.fewer + g.more else ""
        timed = (
            f"p50 {np.percentile(g.each, 50) * 1000:6.0f}, p99 {p99(g.each) * 1000:6.0f} ms" if g.each else "none timed"
        )
        print(
            f"  {g.name:<24} {g.dashboards:>5} dashboards {g.releases:>4} releases, delivered {g.received:>6} "
            f"of {g.expected:>6}; each: {timed}; {g.pending} submissions not yet shown{note}"
        )
    verdict.require(received >= expected, f"group updates {expected - received} lost")
    verdict.require(not any(g.more for g in results), "more group updates than releases")
    verdict.latency("group update", each)


def chat(messages: list[ChatMessage], receipts: dict[int, list[float]], members: int, verdict: Verdict) -> None:
    sent = [m for m in messages if m.id is not None]
    errors = Counter(m.error for m in messages if m.error)
    lasts = [max(receipts[m.id]) - m.sent for m in sent if receipts.get(m.id)]
    delivered = sum(len(receipts.get(m.id, [])) for m in sent)  # type: ignore[arg-type]
    print(f"chat: {len(messages)} messages, {len(sent)} acknowledged, errors {dict(errors) or 0}")
    print(f"  send -> ack                   {percentiles([m.acked - m.sent for m in sent])}")
    print(f"  send -> last member           {percentiles(lasts)}")
    print(f"  delivered {delivered} of {len(sent) * members} to the {members} chat members")
    verdict.require(not errors, f"{sum(errors.values())} chat messages failed")
    verdict.require(delivered >= len(sent) * members, f"chat {len(sent) * members - delivered} lost")
