"""The regression gate: minimum scores per backend, pinned with a hash of the cases.

evals/baseline.json holds {"cases_hash": ..., "pins": {column: {score: pin}}}. Higher is better
for every score except those in LOWER_IS_BETTER, whose pins are maxima named "max_<score>". A
run fails when a score falls below its pin or the cases are no longer the ones pinned. Raising a
pin is a deliberate command (--update-baseline); lowering one also needs --allow-lower.

Pure, apart from reading the case files and the baseline.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import ConfigError

BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
UPDATE_COMMAND = "trialbrief eval --update-baseline"
VERIFIER = "verifier"
"""The column of the verifier on the gold records (the same for every backend)."""

# The scores the gate pins (the others are reported only).
GATED: tuple[str, ...] = (
    "trial_names_accuracy", "registry_ids_accuracy", "n_total_accuracy", "primary_met_accuracy",
    "primary_endpoint_named", "arms_recall", "results_recall", "results_precision",
    "endpoint_label_agreement",
    "safety_recall", "grounded_share", "unflagged_ungrounded",
    "trap_recall", "false_alarm_rate", "verified_incomplete", "summary_numbers_grounded",
    "failed_runs",
    "spin_flags", "reading_grade", "summary_content", "summary_direction_agreement",
    "summary_unclear_misused",
)
GATED_VERIFIER: tuple[str, ...] = ("fault_recall", "fault_exactness", "false_flag_rate")
LOWER_IS_BETTER = frozenset({"unflagged_ungrounded", "false_alarm_rate", "failed_runs",
                             "verified_incomplete",
                             "false_flag_rate", "spin_flags", "reading_grade",
                             "summary_unclear_misused"})
HARD_MAXIMA: dict[str, float] = {"unflagged_ungrounded": 0, "verified_incomplete": 0}
"""Limits that hold for every column, pinned or not: a number that is not the number at its
cited span must never pass unflagged."""
PIN_SCALE = 10_000
"""Pins keep 4 decimals."""

Metrics = dict[str, float | None]


def cases_hash(folder: Path) -> str:
    """sha256 over the case files (name and bytes, sorted by name): what the pins hold for."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.json")):
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def pin_name(metric: str) -> str:
    return f"max_{metric}" if metric in LOWER_IS_BETTER else metric


def metric_of_pin(pin: str) -> str:
    return pin[4:] if pin.startswith("max_") and pin[4:] in LOWER_IS_BETTER else pin


def pin_value(metric: str, value: float) -> float:
    """The pin for a score: the score itself, rounded towards passing at 4 decimals."""
    scaled = round(value * PIN_SCALE, 6)  # 0.9999999 is 1 here, not a pin a hair below it
    return (math.ceil(scaled) if metric in LOWER_IS_BETTER else math.floor(scaled)) / PIN_SCALE


def holds(metric: str, value: float | None, pin: float) -> bool:
    if value is None:
        return False
    return value <= pin if metric in LOWER_IS_BETTER else value >= pin


@dataclass(frozen=True)
class Baseline:
    cases_hash: str | None = None
    pins: dict[str, dict[str, float]] = field(default_factory=dict)


def load_baseline(path: Path) -> Baseline:
    if not path.exists():
        return Baseline()
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("pins", {}), dict):
        raise ConfigError(f"{path} is not a baseline", hint=f"re-pin with: {UPDATE_COMMAND}")
    pins = {k: {n: float(v) for n, v in p.items()} for k, p in data.get("pins", {}).items()}
    return Baseline(data.get("cases_hash"), pins)


def baseline_json(baseline: Baseline) -> str:
    data = {"cases_hash": baseline.cases_hash,
            "pins": {k: dict(sorted(v.items())) for k, v in sorted(baseline.pins.items())}}
    return json.dumps(data, indent=2) + "\n"


def gated_metrics(key: str, metrics: Mapping[str, float | None]) -> dict[str, float | None]:
    names = GATED_VERIFIER if key == VERIFIER else GATED
    return {name: metrics.get(name) for name in names}


@dataclass(frozen=True)
class GateOutcome:
    failures: list[str]
    checked: list[str]
    """The columns compared with their pins."""
    not_run: list[str]
    """Pinned columns this run did not score (a narrower --backend)."""

    @property
    def passed(self) -> bool:
        return not self.failures


def check_gate(baseline: Baseline, current: Mapping[str, Mapping[str, float | None]],
               current_hash: str) -> GateOutcome:
    failures: list[str] = []
    if baseline.cases_hash is None or not baseline.pins:
        failures.append(f"no baseline pinned: pin one with: {UPDATE_COMMAND}")
    elif baseline.cases_hash != current_hash:
        failures.append(f"cases changed: the pins hold for cases {baseline.cases_hash[:12]}…, "
                        f"these are {current_hash[:12]}…: re-pin with: {UPDATE_COMMAND}")
    for key, metrics in current.items():
        for metric, limit in HARD_MAXIMA.items():
            value = metrics.get(metric)
            if value is not None and value > limit:
                failures.append(f"{key}: {metric} {value:g} > {limit:g} (a hard limit, whatever "
                                "the pins)")
    checked = [k for k in baseline.pins if k in current]
    for key in checked:
        for pin, pinned in sorted(baseline.pins[key].items()):
            metric = metric_of_pin(pin)
            value = current[key].get(metric)
            if not holds(metric, value, pinned):
                sign = ">" if metric in LOWER_IS_BETTER else "<"
                shown = "no value" if value is None else f"{value:.4f}"
                failures.append(f"{key}: {metric} {shown} {sign} pin {pin} {pinned:g}")
    return GateOutcome(failures, checked, [k for k in baseline.pins if k not in current])


@dataclass(frozen=True)
class PinUpdate:
    baseline: Baseline
    raised: list[str]
    refused: list[str]
    """Pins that would go down (or disappear): refused without --allow-lower."""


def update_pins(baseline: Baseline, current: Mapping[str, Mapping[str, float | None]],
                current_hash: str, allow_lower: bool) -> PinUpdate:
    pins = {k: dict(v) for k, v in baseline.pins.items()}
    raised: list[str] = []
    refused: list[str] = []
    for key, metrics in current.items():
        old = pins.get(key, {})
        new: dict[str, float] = {}
        for metric, value in gated_metrics(key, metrics).items():
            name = pin_name(metric)
            if value is None:
                if name in old:
                    refused.append(f"{key}: {name} {old[name]:g} would be dropped (no value now)")
                continue
            pinned = pin_value(metric, value)
            before = old.get(name)
            if before is not None and not holds(metric, pinned, before):
                refused.append(f"{key}: {name} {before:g} -> {pinned:g} would lower the pin")
            elif before != pinned:
                raised.append(f"{key}: {name} {'—' if before is None else f'{before:g}'} -> "
                              f"{pinned:g}")
            new[name] = pinned
        refused += [f"{key}: {name} {old[name]:g} would be dropped (no longer scored)"
                    for name in old if name not in new and metric_of_pin(name) not in
                    gated_metrics(key, metrics)]
        pins[key] = new
    if refused and not allow_lower:
        return PinUpdate(baseline, [], refused)
    return PinUpdate(Baseline(current_hash, pins), raised, refused if allow_lower else [])
