"""Adaptive pacing: how long to leave the box after its last answer before the next request.

Some boxes silently drop a request that arrives too soon after their previous
reply (people report 50-100 ms). A fixed pause long enough for the slowest box
would slow every other one down, so the gap is learned:

* it starts at the configured floor (0 by default: no pause);
* a request that goes unanswered widens it: back to the last gap the box kept
  up with if that was wider, else doubling (from ``step``). The loss counts
  against the gap only once the box answers again: a dead link says nothing
  about pacing, and its widening is undone when the link drops;
* every ``narrow_after`` answers in a row the gap is narrowed halfway towards
  the widest gap known to lose requests, until the two are close;
* once settled, a narrower gap is probed now and then (every ``probe_after``
  answers, twice as rarely after each probe that lost a request), so a box
  that got faster is noticed. One probe costs at most one lost request.
"""

from __future__ import annotations

from typing import Final

DEFAULT_STEP: Final = 0.05  # the first widening from no gap
DEFAULT_CEILING: Final = 1.0  # never wait longer than this between requests
DEFAULT_NARROW_AFTER: Final = 20  # answers in a row before trying a narrower gap
DEFAULT_PROBE_AFTER: Final = 200  # answers at a settled gap before probing a narrower one
SETTLED: Final = 0.05  # narrowing stops when a step would be less than this share of the gap
NEGLIGIBLE: Final = 0.001  # a gap below this is no gap


class AdaptivePacer:
    """The current gap (seconds), fed with what happened to each request."""

    def __init__(
        self,
        floor: float = 0.0,
        *,
        step: float = DEFAULT_STEP,
        ceiling: float = DEFAULT_CEILING,
        narrow_after: int = DEFAULT_NARROW_AFTER,
        probe_after: int = DEFAULT_PROBE_AFTER,
    ) -> None:
        self.floor = floor
        self._step = step
        self._ceiling = max(ceiling, floor)
        self._narrow_after = narrow_after
        self._probe_after = probe_after
        self._probe_every = probe_after
        self._gap = floor
        self._losing = floor  # the widest gap known to lose requests (the floor: none known)
        self._kept_up: float | None = None  # the last gap that saw narrow_after answers in a row
        self._unconfirmed: float | None = None  # the gap before losses not yet put down to pacing
        self._lost_at: list[float] = []  # the gaps of those losses
        self._answers = 0  # in a row, since the last loss or change of gap
        self._settled_answers = 0
        self._probing = False
        self.losses = 0  # requests that went unanswered while the box was alive

    @property
    def gap(self) -> float:
        return self._gap

    def lost(self) -> None:
        """A request went unanswered: widen the gap for the retry and what follows."""
        self._answers = 0
        if self._unconfirmed is None:
            self._unconfirmed = self._gap
        self._lost_at.append(self._gap)
        if self._kept_up is not None and self._gap < self._kept_up:
            self._gap = self._kept_up
        else:
            self._gap = min(self._ceiling, max(self._gap * 2, self._step, self.floor))

    def answered(self) -> None:
        """The box answered a request: earlier losses were pacing; maybe narrow the gap."""
        if self._unconfirmed is not None:
            self.losses += len(self._lost_at)
            self._losing = max(self._losing, *self._lost_at)
            self._unconfirmed = None
            self._lost_at.clear()
            if self._probing:  # the box is no faster than before: probe less often
                self._probing = False
                self._probe_every *= 2
            return
        self._answers += 1
        if self._answers < self._narrow_after or self._gap <= self.floor:
            return
        self._answers = 0
        self._kept_up = self._gap
        if self._probing:  # a narrower gap than the losing one works now
            self._probing = False
            self._probe_every = self._probe_after
            self._losing = self.floor
        target = (self._gap + self._losing) / 2
        if self._gap - target >= SETTLED * self._gap:
            self._gap = self.floor if target - self.floor < NEGLIGIBLE else target
            return
        self._settled_answers += self._narrow_after
        if self._settled_answers >= self._probe_every:
            self._settled_answers = 0
            self._probing = True
            self._gap = (self._losing + self.floor) / 2

    def link_lost(self) -> None:
        """The link dropped: unanswered requests said nothing about pacing."""
        if self._unconfirmed is not None:
            self._gap = self._unconfirmed
            self._unconfirmed = None
            self._lost_at.clear()
        self._answers = 0
