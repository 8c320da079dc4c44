"""Policy results for the review: what a policy pack said about the stack's planned certificates.

``pulumi preview --json`` does not carry policy results, so the review runs one more preview with the pack, in
Pulumi's streaming JSON mode (``PULUMI_ENABLE_STREAMING_JSON_PREVIEW``), whose engine events include one
``policyEvent`` per violation. Each becomes a ``PolicyResult``: level, rule, entry and the pack's message (the rule's
own sentence, without the description Pulumi puts first).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PolicyResult", "read_policy_events"]

#: Pulumi's enforcement levels as the review names them (an advisory violation is a "warning" in events).
_LEVELS = {"mandatory": "mandatory", "advisory": "advisory", "warning": "advisory"}


@dataclass(frozen=True, order=True)
class PolicyResult:
    """One violation: ``level`` mandatory (``up`` fails) or advisory, the rule, the entry and the message."""

    level: str
    policy: str
    entry: str
    message: str

    @property
    def mandatory(self) -> bool:
        return self.level == "mandatory"


def read_policy_events(lines: Iterable[str]) -> tuple[PolicyResult, ...]:
    """The violations among a streaming preview's events (other events and other text are skipped), mandatory ones
    first, each once, in a stable order."""
    found: set[PolicyResult] = set()
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        policy = event.get("policyEvent") if isinstance(event, dict) else None
        if not isinstance(policy, dict):
            continue
        level = _LEVELS.get(str(policy.get("enforcementLevel", "")))
        if level is None:
            continue  # "none", "remediate": nothing the reviewer has to act on
        urn = str(policy.get("resourceUrn") or "")
        message = str(policy.get("message") or "").strip().splitlines()
        # Pulumi sends the rule's description as the first line, then what the rule reported.
        said = " ".join(message[1:] if len(message) > 1 else message).strip()
        found.add(PolicyResult(level, str(policy.get("policyName", "")), urn.rsplit("::", 1)[-1] if urn else "", said))
    return tuple(sorted(found, key=lambda r: (not r.mandatory, r.entry, r.policy, r.message)))
