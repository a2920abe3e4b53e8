"""The figures of a soak run and the JSON object it prints."""

from __future__ import annotations

import logging
import resource
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Report:
    seed: int
    minutes: float
    installation: str
    protocol: str = "vtu"
    duration_s: float = 0.0
    faults_by_kind: Counter[str] = field(default_factory=Counter)
    recovery_s: dict[str, list[float]] = field(default_factory=dict)  # by fault kind
    recoveries_failed: int = 0
    disconnects_missed: int = 0  # the box closed the link and the client never noticed
    link_drops: int = 0
    pushes: int = 0
    commands_sent: int = 0
    commands_succeeded: int = 0
    commands_failed_with_error: int = 0
    commands_skipped_unavailable: int = 0  # HA does not call an unavailable entity
    commands_lost: int = 0
    commands_late: int = 0
    commands_repeated: int = 0
    commands_unclear_error: int = 0  # raised something else than a HomeAssistantError
    # The box refused a command Home Assistant offered (the simulator refuses only
    # what the box would: a value the device does not take, an unknown key or AC).
    commands_rejected: int = 0
    command_errors: Counter[str] = field(default_factory=Counter)
    commands_by_domain: Counter[str] = field(default_factory=Counter)  # light, climate, ...
    state_checks: int = 0
    state_mismatches: int = 0
    tasks_leaked: int = 0
    log_warnings: Counter[str] = field(default_factory=Counter)
    error: str | None = None  # the run itself broke

    def recovered(self, fault: str, seconds: float) -> None:
        self.recovery_s.setdefault(fault, []).append(seconds)

    def failures(self) -> list[str]:
        """The figures that must be zero, where they are not."""
        must_be_zero = {
            "commands_lost": self.commands_lost,
            "commands_late": self.commands_late,
            "commands_repeated": self.commands_repeated,
            "commands_unclear_error": self.commands_unclear_error,
            "commands_rejected": self.commands_rejected,
            "state_mismatches": self.state_mismatches,
            "tasks_leaked": self.tasks_leaked,
            "recoveries_failed": self.recoveries_failed,
            "disconnects_missed": self.disconnects_missed,
        }
        failed = [name for name, value in must_be_zero.items() if value]
        return [*failed, "error"] if self.error else failed

    def to_json(self) -> dict[str, Any]:
        times = [t for kind in self.recovery_s.values() for t in kind]
        out: dict[str, Any] = {
            "ok": not self.failures(),
            "failures": self.failures(),
            "minutes": self.minutes,
            "seed": self.seed,
            "installation": self.installation,
            "protocol": self.protocol,
            "duration_s": round(self.duration_s, 1),
            "faults_injected": sum(self.faults_by_kind.values()),
            "faults_by_kind": dict(sorted(self.faults_by_kind.items())),
            "recoveries": len(times),
            "recoveries_failed": self.recoveries_failed,
            "max_recovery_s": round(max(times, default=0.0), 2),
            "mean_recovery_s": round(statistics.fmean(times), 2) if times else 0.0,
            "max_recovery_s_by_kind": {
                kind: round(max(values), 2) for kind, values in sorted(self.recovery_s.items())
            },
            "link_drops": self.link_drops,
            "disconnects_missed": self.disconnects_missed,
            "pushes": self.pushes,
            "commands_sent": self.commands_sent,
            "commands_succeeded": self.commands_succeeded,
            "commands_failed_with_error": self.commands_failed_with_error,
            "commands_skipped_unavailable": self.commands_skipped_unavailable,
            "commands_lost": self.commands_lost,
            "commands_late": self.commands_late,
            "commands_repeated": self.commands_repeated,
            "commands_unclear_error": self.commands_unclear_error,
            "commands_rejected": self.commands_rejected,
            "command_errors": dict(sorted(self.command_errors.items())),
            "commands_by_domain": dict(sorted(self.commands_by_domain.items())),
            "state_checks": self.state_checks,
            "state_mismatches": self.state_mismatches,
            "tasks_leaked": self.tasks_leaked,
            "log_warnings": sum(self.log_warnings.values()),
            "log_warnings_by_message": dict(self.log_warnings.most_common(10)),
            "peak_rss_mb": peak_rss_mb(),
        }
        if self.error:
            out["error"] = self.error
        return out


def peak_rss_mb() -> float:
    # ru_maxrss is in kibibytes on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class WarningCounter(logging.Handler):
    """Counts WARNING and worse records by message template: a storm shows as a big count."""

    def __init__(self, counts: Counter[str], *, exclude: str) -> None:
        super().__init__(logging.WARNING)
        self.counts = counts
        self.exclude = exclude  # a logger whose records (and its children's) do not count

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == self.exclude or record.name.startswith(f"{self.exclude}."):
            return
        self.counts[f"{record.levelname} {record.name}: {record.msg}"] += 1
