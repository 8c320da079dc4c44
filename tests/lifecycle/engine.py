"""A small model of what the Pulumi engine does with the program's ``Certificate`` resources, for the fast tier.

It drives the real ``CertificateProvider`` in-process (its calls reach the emulator over HTTP) the way the engine
drives a dynamic provider, per ``pulumi up``:

- a fresh provider per run (each run is a new provider process): nothing is carried over in memory;
- pending deletes first: old certificates a replacement left behind because their delete failed (``delete: true`` in
  the state) are deleted before anything else (pkg/v3/resource/deploy/step_generator.go, GeneratePendingDeletes);
- then each declared resource in program order: its URN is its name; when the name is not in the state, the first
  alias (``renamed_from``) that is, and that no other declared resource claims, is taken over (a rename). The engine
  ignores aliases when the name itself is still in the state. ``check`` -> ``diff`` (with ``{**old inputs, **old
  outputs}``, as the project's host passes them) -> ``create`` (new), ``update`` (changes, no replaces) or a
  create-before-delete replacement (create the new one, record it, mark the old one pending delete; it is deleted
  with the removed resources at the end, and a failed delete keeps it pending for the next run; ``retain_on_delete``
  drops it without a delete call);
  ``changes=None`` (DIFF_UNKNOWN) is decided by comparing old and new inputs, as the engine does;
- last, the deletes, in the reverse order of the old state: the certificates replaced in this run and the resources
  no longer declared (``retain_on_delete``: dropped without a provider call);
- the first failed step stops the run (no ``--continue-on-error``), leaving what was recorded so far;
- a kill (SIGKILL of the CLI) is modelled as a run that stops right after its k-th provider step (create, update or
  delete) returned, before the engine recorded the result: the cloud has changed, the state has not.

``refresh`` reads every resource in the state (pending deletes included): gone -> dropped, else its outputs (and
inputs when ``read`` returns them) replace the stored ones.

Not modelled: parallel steps (the engine runs independent steps concurrently; here they run one by one), a kill in the
middle of a provider call (the provider's own crash handling is covered by tests/reliability/test_crash_recovery.py),
``protect``, dependencies between resources (there are none in this program), previews (``diff`` runs within ``up``,
so its warnings are seen), and the engine's own checkpoint format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provider.certificate import CertificateProvider
from provider.errors import CertificateError

__all__ = ["Decl", "Engine", "Killed", "Res", "RunResult"]


@dataclass
class Decl:
    """One declared resource: its name, raw inputs (as the program sends them), options."""

    name: str
    props: dict[str, Any]
    retain: bool = False
    aliases: tuple[str, ...] = ()
    entry: Any = None  # the machine's stack-file entry it comes from (the CLI tier writes the file from it)


@dataclass(eq=False)
class Res:
    """A resource in the state. ``lineage`` is the model's bookkeeping: which logical resource it is (kept across
    replacements and aliased renames, new for a fresh create)."""

    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    retain: bool
    lineage: int

    def props(self) -> dict[str, Any]:
        return {**self.inputs, **self.outputs}


@dataclass
class RunResult:
    ok: bool
    error: str = ""
    killed: bool = False
    lines: list[str] = field(default_factory=list)
    #: (old id, new id, lineage) of each replacement created in this run
    replaced: list[tuple[str, str, int]] = field(default_factory=list)
    #: ids whose resources this run removed from the state because they were no longer declared (not replaced)
    removed: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join([*self.lines, self.error])


class Killed(BaseException):
    """The engine died (SIGKILL) after a provider step returned, before it recorded the result."""


class Engine:
    """The state of one stack and the engine operations on it (see the module docstring)."""

    def __init__(self, make_provider: Callable[[list[str]], CertificateProvider], identity: str) -> None:
        self._make_provider = make_provider
        self.identity = identity  # the stack identity the owner marks derive from (provider.ownership)
        self.state: dict[str, Res] = {}
        self.pending: list[Res] = []
        self._lineages = 0
        self._steps = 0
        self._kill_after: int | None = None

    def all_ids(self) -> set[str]:
        return {r.id for r in self.state.values()} | {r.id for r in self.pending}

    # -- up

    def up(self, program: Sequence[Decl], kill_after: int | None = None) -> RunResult:
        lines: list[str] = []
        provider = self._make_provider(lines)
        run = RunResult(ok=True, lines=lines)
        self._steps, self._kill_after = 0, kill_after
        try:
            self._up(provider, program, run)
        except Killed:
            run.ok, run.killed = False, True
        except CertificateError as error:
            run.ok, run.error = False, str(error)
        return run

    def _step(self) -> None:
        self._steps += 1
        if self._kill_after is not None and self._steps >= self._kill_after:
            raise Killed()

    def _delete(self, provider: CertificateProvider, res: Res) -> None:
        provider.delete(res.id, res.props())
        self._step()

    def _up(self, provider: CertificateProvider, program: Sequence[Decl], run: RunResult) -> None:
        for res in list(self.pending):
            self._delete(provider, res)
            self.pending.remove(res)
        order = {r.id: i for i, r in enumerate(self.state.values())}
        declared = {d.name for d in program}
        for decl in program:
            old = self.state.get(decl.name)
            if old is None:
                for alias in decl.aliases:
                    if alias in self.state and alias not in declared:
                        old = self.state.pop(alias)
                        old.name = decl.name
                        self.state[decl.name] = old
                        break
            checked = provider.check({}, {**decl.props, "__provider": "pickled"})
            if checked.failures:
                reasons = "; ".join(f"{f.property}: {f.reason}" for f in checked.failures)
                raise CertificateError(f"{decl.name}: check failed: {reasons}")
            news = dict(checked.inputs)
            if old is None:
                made = provider.create(news)
                self._step()
                self._lineages += 1
                assert made.outs is not None
                self.state[decl.name] = Res(decl.name, made.id, news, dict(made.outs), decl.retain, self._lineages)
                continue
            old.retain = decl.retain
            diff = provider.diff(old.id, old.props(), news)
            replaces = list(diff.replaces or [])
            changes = diff.changes
            if changes is None:
                changes = bool(replaces) or _without_provider(old.inputs) != _without_provider(news)
            if not changes:
                old.inputs = news  # a "same" step records the new inputs with the old outputs
                continue
            if not replaces:
                updated = provider.update(old.id, old.props(), news)
                self._step()
                old.inputs, old.outputs = news, dict(updated.outs or {})
                continue
            made = provider.create(news)
            self._step()
            assert made.outs is not None
            new = Res(decl.name, made.id, news, dict(made.outs), decl.retain, old.lineage)
            self.state[decl.name] = new
            run.replaced.append((old.id, new.id, old.lineage))
            if not old.retain:  # retain_on_delete: the old certificate is dropped from the state, never deleted
                self.pending.append(old)  # deleted with the removed resources, after every create and update
        # The deletes come last, in the reverse order of the old state: the replaced certificates and the resources
        # no longer declared.
        replaced_ids = {old for old, _new, _lineage in run.replaced}
        replaced = [r for r in self.pending if r.id in replaced_ids]
        removed = [self.state[n] for n in self.state if n not in declared]
        for res in sorted(replaced + removed, key=lambda r: order.get(r.id, -1), reverse=True):
            if res.id in replaced_ids:
                self._delete(provider, res)
                self.pending.remove(res)
                continue
            if not res.retain:
                self._delete(provider, res)
            del self.state[res.name]
            run.removed.append(res.id)

    # -- refresh

    def refresh(self) -> RunResult:
        lines: list[str] = []
        provider = self._make_provider(lines)
        run = RunResult(ok=True, lines=lines)
        try:
            for res in [*self.state.values(), *self.pending]:
                found = provider.read(res.id, res.props())
                if not found.id:
                    if res in self.pending:
                        self.pending.remove(res)
                    else:
                        del self.state[res.name]
                    continue
                res.outputs = dict(found.outs or {})
                if found.inputs is not None:
                    res.inputs = dict(found.inputs)
        except CertificateError as error:
            run.ok, run.error = False, str(error)
        return run


def _without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}
