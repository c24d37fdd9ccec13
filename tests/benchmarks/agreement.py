"""Do the engines compute the same numbers? A speed figure means nothing otherwise.

Every engine's `check` (losses, values, gradients) for a workload and size is
compared with the plain-float floor's, whose gradients were derived by hand, or
with microgpt's engine's (the microgpt workloads), or with stepgrad's.
"""

from __future__ import annotations

from typing import Optional

from .runner import WORKLOADS

#: Whom the others are compared with, first choice first: the hand-derived floor,
#: else microgpt's own engine on its own model, else stepgrad.
REFERENCES = ("floor", "microgpt", "stepgrad")

RTOL = 1e-9  # different summation orders differ in the last bits, nothing more


def differences(check: dict, reference: dict) -> float:
    """The largest relative difference between two checks (inf if their shapes differ)."""
    worst = 0.0
    for key, ref in reference.items():
        if key not in check:
            return float("inf")
        got = check[key]
        refs, gots = (ref, got) if isinstance(ref, list) else ([ref], [got])
        if not isinstance(gots, list) or len(gots) != len(refs):
            return float("inf")
        for a, b in zip(gots, refs):
            worst = max(worst, abs(a - b) / max(1.0, abs(b)))
    return worst


def compare(checks: dict[str, dict]) -> tuple[Optional[str], dict[str, float]]:
    """(reference engine, {engine: worst relative difference}) for one workload's checks."""
    reference = next((e for e in REFERENCES if e in checks), None)
    if reference is None:
        return None, {}
    return reference, {e: differences(c, checks[reference]) for e, c in checks.items() if e != reference}


def verdicts(results) -> list[str]:
    """One line per workload and size: who agreed with whom, and how closely."""
    lines = []
    seen = set()
    for s in results.series:
        key = (s.workload, s.size)
        if s.workload == "memory" or key in seen:
            continue
        seen.add(key)
        checks = {t.engine: t.check for t in results.series
                  if (t.workload, t.size) == key and t.check is not None and t.gc == s.gc}
        reference, diffs = compare(checks)
        if not diffs:
            continue
        bad = {e: d for e, d in diffs.items() if not d <= RTOL}
        shown = ", ".join(f"{e} {d:.1e}" for e, d in diffs.items())
        mark = "DISAGREE: " + ", ".join(bad) if bad else "agree"
        size = WORKLOADS[s.workload].describe(s.size)
        lines.append(f"{s.workload}, {size}: {mark} (largest relative difference from {reference}: {shown})")
    return lines


def all_agree(results) -> bool:
    return not any("DISAGREE" in line for line in verdicts(results))
