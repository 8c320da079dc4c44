"""What ``bench_stack.py`` measured, as tables: figures per command, ratios between setups, issue 11's targets.

Every figure here comes from one run of a command; a repeated command (``--repeat``) is shown by its median run, its
other runs' wall times listed below the figures. Nothing is timed against a threshold except the targets, which are
printed as met or missed and never change the exit code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stack_processes import CommandFigures

__all__ = ["RATE_LIMITED", "Phase", "report", "unexpected_preview_calls"]

RATE_LIMITED = "LimitExceeded.RateLimitExceeded"
#: The one read a preview makes once it has a state: the listing of the stack's certificates waiting to be deleted
#: (``pulumi:waiting`` = the stack part of the owner mark, one exact value), which every diff of the run shares
#: (``provider.sharing``). One page while fewer than 1,000 are marked; the bench marks none.
WAITING_LISTING_KEY = "pulumi:waiting"
PHASES = ("preview", "up", "preview (no-op)", "refresh", "destroy")
# The setups compared, product first: ours against Pulumi's host and the engine's own cost, and, while ours is not
# there, the stock host against that cost.
PAIRS = (("ours", "stock"), ("ours", "noop"), ("stock", "noop"))
TARGETED = ("ours", "stock")


@dataclass
class Phase:
    """One CLI command of one setup at one N, and what it cost."""

    setup: str
    count: int
    name: str
    command: str
    seconds: float
    returncode: int
    output: str
    calls: list[dict[str, Any]]
    figures: CommandFigures
    tree_cpu: float
    state_bytes: int | None = None
    problems: list[str] = field(default_factory=list)
    runs: tuple[float, ...] = ()  # a repeated command: every run's wall time, this phase being the median one

    @property
    def per_action(self) -> Counter[str]:
        return Counter(c["Action"] for c in self.calls)

    @property
    def calls_per_cert(self) -> float:
        return len(self.calls) / self.count

    @property
    def errors(self) -> Counter[tuple[str, str]]:
        return Counter((c["Action"], c["ErrorCode"]) for c in self.calls if c["ErrorCode"] is not None)

    @property
    def rate_limited(self) -> int:
        return sum(1 for c in self.calls if c["ErrorCode"] == RATE_LIMITED)

    @property
    def rate_limit_reached_user(self) -> bool:
        """The CLI failed while the emulator refused calls, or the CLI's output speaks of the rate limit."""
        shown = "RateLimitExceeded" in self.output or "rate limit" in self.output.lower()
        return shown or (self.returncode != 0 and self.rate_limited > 0)

    @property
    def ok(self) -> bool:
        return not self.problems


Results = dict[tuple[str, int], list[Phase]]


def _find(results: Results, setup: str, count: int, name: str) -> Phase | None:
    """The phase, if it ran and went right (a failed command's figures measure something else)."""
    for phase in results.get((setup, count), []):
        if phase.name == name:
            return phase if phase.ok else None
    return None


def _num(value: float | None, spec: str = ".1f") -> str:
    return format(value, spec) if value is not None else "n/a"


# --- figures and ratios -------------------------------------------------------------------------------------------


def figures_table(results: Results, count: int) -> str:
    header = (
        f"{'setup':<6} {'phase':<16} {'wall s':>7} {'CPU s':>6} {'eng CPU':>7} {'prov CPU':>8} {'calls/cert':>10} "
        f"{'errors':>6} {'rate-ltd':>8} {'to user':>7} {'eng MiB':>7} {'prov MiB':>8} {'state KiB':>9}  result"
    )
    lines = [header, "-" * len(header)]
    for (setup, n), phases in results.items():
        if n != count:
            continue
        for p in phases:
            f = p.figures
            lines.append(
                f"{setup:<6} {p.name:<16} {p.seconds:>7.1f} {p.tree_cpu:>6.1f} {_num(f.engine_cpu):>7} "
                f"{_num(f.provider_cpu):>8} {p.calls_per_cert:>10.2f} {sum(p.errors.values()):>6} "
                f"{p.rate_limited:>8} {'YES' if p.rate_limit_reached_user else 'no':>7} "
                f"{_num(f.engine_peak_mib, '.0f'):>7} {_num(f.provider_peak_mib, '.0f'):>8} "
                f"{_num(p.state_bytes / 1024 if p.state_bytes is not None else None, '.0f'):>9}  "
                f"{'ok' if p.ok else 'FAILED'}"
            )
    repeated = [
        f"{setup:<6} {p.name:<16} " + " ".join(f"{w:.1f}" for w in p.runs) + f"  (median {p.seconds:.1f})"
        for (setup, n), phases in results.items()
        if n == count
        for p in phases
        if len(p.runs) > 1
    ]
    if repeated:
        lines += ["", "repeated commands, interleaved across the setups: wall s of each run", *repeated]
    return "\n".join(lines)


def calls_by_action(results: Results, count: int) -> str:
    lines = []
    for (setup, n), phases in results.items():
        if n != count:
            continue
        for p in phases:
            if p.calls:
                actions = ", ".join(f"{a} {k / n:.2f}" for a, k in sorted(p.per_action.items()))
                lines.append(f"{setup:<6} {p.name:<16} {actions}")
    return "\n".join(lines) or "(no API call)"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def ratios_table(results: Results, count: int) -> str | None:
    pairs = [(a, b) for a, b in PAIRS if (a, count) in results and (b, count) in results]
    if not pairs:
        return None
    cell = 20
    header = f"{'phase':<16} " + " ".join(f"{a + '/' + b:>{cell}}" for a, b in pairs)
    lines = [header, f"{'':<16} " + " ".join(f"{'wall  CPU  eng RSS':>{cell}}" for _ in pairs), "-" * len(header)]
    for name in PHASES:
        cells = []
        for a, b in pairs:
            pa, pb = _find(results, a, count, name), _find(results, b, count, name)
            if pa is None or pb is None:
                cells.append(f"{'n/a':>{cell}}")
                continue
            wall = _ratio(pa.seconds, pb.seconds)
            cpu = _ratio(pa.tree_cpu, pb.tree_cpu)
            rss = _ratio(pa.figures.engine_peak_mib, pb.figures.engine_peak_mib)
            cells.append(f"{wall:>6} {cpu:>5} {rss:>7}".rjust(cell))
        lines.append(f"{name:<16} " + " ".join(cells))
    return "\n".join(lines)


# --- the targets of issue 11 --------------------------------------------------------------------------------------


Verdict = tuple[str, bool | None]  # the figure, and met (None: not judged, the figures are missing)
Judge = Callable[[Results, str, int, float], Verdict]  # results, setup, N, deletion task seconds


@dataclass(frozen=True)
class Target:
    """One target of issue 11: the N it names (``None``: every N), its wording for the N and D evaluated, and how a
    setup's figures are judged."""

    nominal: int | None
    label: Callable[[int, float], str]
    judge: Judge
    at_least: bool = False  # only an N this large counts; the largest N run is shown either way


def _destroy_limit(n: int, d: float) -> float:
    return 1.2 * max(d, n / 10) + 5


def _up_limit(n: int, _d: float) -> float:
    return 1.3 * n / 10 + 5


def _wall(phase_name: str, limit: Callable[[int, float], float]) -> Judge:
    def judge(results: Results, setup: str, n: int, d: float) -> Verdict:
        p = _find(results, setup, n, phase_name)
        return ("n/a", None) if p is None else (f"{p.seconds:.1f} s", p.seconds <= limit(n, d))

    return judge


def _vs_noop(phase_name: str, limit: float) -> Judge:
    def judge(results: Results, setup: str, n: int, _d: float) -> Verdict:
        p, base = _find(results, setup, n, phase_name), _find(results, "noop", n, phase_name)
        if p is None or base is None:
            return "n/a", None
        ratio = p.seconds / base.seconds
        return f"{p.seconds:.1f} s = {ratio:.2f}x noop's {base.seconds:.1f} s", ratio <= limit

    return judge


def _calls(phase_name: str, limit: float) -> Judge:
    def judge(results: Results, setup: str, n: int, _d: float) -> Verdict:
        p = _find(results, setup, n, phase_name)
        return ("n/a", None) if p is None else (f"{p.calls_per_cert:.2f} calls/cert", p.calls_per_cert <= limit)

    return judge


def _engine_peak(results: Results, setup: str, n: int) -> tuple[str, int] | None:
    """The highest engine VmHWM over the setup's commands, and the command it was seen in."""
    peaks = [(p.name, p.figures.engine_peak_kib) for p in results.get((setup, n), []) if p.ok]
    known = [(name, kib) for name, kib in peaks if kib is not None]
    return max(known, key=lambda pk: pk[1]) if known else None


def _engine_memory(results: Results, setup: str, n: int, _d: float) -> Verdict:
    peak, base = _engine_peak(results, setup, n), _engine_peak(results, "noop", n)
    if peak is None or base is None:
        return "n/a", None
    ratio = peak[1] / base[1]
    return f"{peak[1] / 1024:.0f} MiB = {ratio:.2f}x noop's {base[1] / 1024:.0f} ({peak[0]})", ratio <= 1.5


def _surfaced(results: Results, setup: str, n: int, _d: float) -> Verdict:
    phases = results.get((setup, n), [])
    if not phases:
        return "n/a", None
    surfaced = sum(1 for p in phases if p.rate_limit_reached_user)
    replies = sum(p.rate_limited for p in phases)
    # A run cut short by another failure has not shown that none would surface.
    met = False if surfaced else (True if len(phases) == len(PHASES) and all(p.ok for p in phases) else None)
    return f"{surfaced} surfaced, {replies} absorbed", met


def unexpected_preview_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls of a preview beyond the one shared listing of the certificates waiting to be deleted."""
    listings = [c for c in calls if c["Action"] == "DescribeCertificates" and _waiting_listing(c["Params"].get("Tags"))]
    return [c for c in calls if c not in listings[:1]]


def _waiting_listing(tags: Any) -> bool:
    """Whether ``tags`` is the listing's filter: ``pulumi:waiting`` with a value (never an empty one)."""
    return (
        isinstance(tags, list)
        and len(tags) == 1
        and tags[0].get("TagKey") == WAITING_LISTING_KEY
        and bool(tags[0].get("TagValue"))
    )


def _quiet_preview(results: Results, setup: str, n: int, _d: float) -> Verdict:
    p = next((p for p in results.get((setup, n), []) if p.name == "preview (no-op)" and p.returncode == 0), None)
    if p is None:
        return ("n/a", None)
    return (f"{len(p.calls)} call(s)", not unexpected_preview_calls(p.calls))


TARGETS = (
    Target(
        100,
        lambda n, d: f"destroy (D={d:g} s) wall <= 1.2*max(D, N/10)+5 = {_destroy_limit(n, d):.1f} s",
        _wall("destroy", _destroy_limit),
    ),
    Target(500, lambda n, d: "no-op preview wall <= 1.5x noop's", _vs_noop("preview (no-op)", 1.5)),
    Target(500, lambda n, d: "refresh wall <= 3x noop's", _vs_noop("refresh", 3.0)),
    Target(500, lambda n, d: "refresh <= 0.2 calls/cert", _calls("refresh", 0.2)),
    Target(100, lambda n, d: "up <= 2.2 calls/cert", _calls("up", 2.2)),
    Target(100, lambda n, d: f"up wall <= 1.3*N/10+5 = {_up_limit(n, d):.1f} s", _wall("up", _up_limit)),
    Target(500, lambda n, d: "engine peak RSS <= 1.5x noop's", _engine_memory),
    Target(200, lambda n, d: "rate limit on: no rate-limit error surfaced", _surfaced, at_least=True),
    Target(None, lambda n, d: "unchanged preview: 1 shared read, no other call", _quiet_preview),
)


def _evaluated_counts(target: Target, counts: list[int]) -> list[tuple[int, str]]:
    """The N(s) a target is judged at, each with a mark when it is not the N the target names."""
    if target.nominal is None:
        return [(n, "") for n in counts]
    if target.at_least:
        n = max(counts)
        return [(n, "" if n >= target.nominal else f" (<{target.nominal})")]
    nominal = target.nominal
    n = min(counts, key=lambda c: (abs(c - nominal), c))
    return [(n, "" if n == nominal else f" (~{nominal})")]


def targets_table(results: Results, counts: list[int], d: float, columns: dict[str, str]) -> str:
    """One row per target and N, one column per targeted setup: the figure and met / MISSED.

    ``columns`` maps each setup shown to why it has no figures ("" when it ran)."""
    cell = 46
    header = f"{'target':<56} {'N':>9}  " + "  ".join(f"{s:<{cell}}" for s in columns)
    lines = [header, "-" * len(header)]
    for target in TARGETS:
        for n, mark in _evaluated_counts(target, counts):
            cells = []
            for setup, absent in columns.items():
                if absent:
                    cells.append(f"{absent:<{cell}}")
                    continue
                figure, met = target.judge(results, setup, n, d)
                verdict = "met" if met else ("MISSED" if met is False else "")
                if target.at_least and mark and verdict:
                    verdict = f"({verdict}: N too small)"
                cells.append(f"{figure + '  ' + verdict:<{cell}}")
            lines.append(f"{target.label(n, d):<56} {str(n) + mark:>9}  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def report(results: Results, counts: list[int], delete_seconds: float, parallel: int, skipped: dict[str, str]) -> str:
    """The closing summary of a run: per N, the figures, the calls by action and the ratios; then the targets."""
    out = []
    for n in counts:
        out.append(
            f"=== N={n} certificates, rate limit on, deletion tasks {delete_seconds:g} s, --parallel {parallel}\n"
            + figures_table(results, n)
            + "\n\nAPI calls per certificate by action\n"
            + calls_by_action(results, n)
        )
        ratios = ratios_table(results, n)
        if ratios is not None:
            out.append(f"ratios at N={n}: wall time, CPU of the CLI and its children, engine peak RSS\n{ratios}")
    ran = {setup for setup, _ in results}
    columns = {s: ("" if s in ran else "skipped") for s in TARGETED if s in ran or s in skipped}
    out += [f"{setup} skipped: {why}" for setup, why in skipped.items()]
    if columns:
        out.append(
            "targets of issue 11 (for ours; stock for comparison). N (~X): the target names N=X and the closest N run "
            "is shown; N (<X): the target needs N >= X\n" + targets_table(results, counts, delete_seconds, columns)
        )
    return "\n\n".join(out)
