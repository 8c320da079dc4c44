"""A small model of what the Pulumi engine does with the program's ``Certificate`` resources, for the fast tier.

It drives the real ``CertificateProvider`` in-process (its calls reach the emulator over HTTP) the way the engine
drives a dynamic provider, per ``pulumi up``:

- a fresh provider per run (each run is a new provider process): nothing is carried over in memory;
- the stack-file loader's refusal of a ``renamed_from`` naming another entry, or claimed twice (nothing runs);
- each declared resource in program order (the engine's step generator handles registrations one at a time; their
  steps run in parallel, here one by one): its URN is its name; only when the name is not in the old state are the
  aliases (``renamed_from``) tried, the first one in the old state taken (an alias already registered or taken by
  another resource fails the run: getOldResource). ``check`` -> ``diff`` (with ``{**old inputs, **old outputs}``, as
  the project's host passes them; diff runs synchronously in the step generator, before the resource's step) ->
  ``create`` (new), ``update`` (changes, no replaces) or a create-before-delete replacement (create the new one,
  record it, mark the old one ``delete: true`` in place; ``retain_on_delete`` drops it without a delete call);
  ``changes=None`` (DIFF_UNKNOWN) is decided by comparing old and new inputs, as the engine does;
- the first failed registration step (check, diff, create, update) stops the run before any delete: the engine
  cancels and never reaches GenerateDeletes (no ``--continue-on-error``);
- then the deletes, all in GenerateDeletes after every registration (pkg/resource/deploy/step_generator.go): the
  resources marked ``delete: true`` (replaced in this run, or left pending by an earlier run's failed delete: these
  are NOT deleted first) and those no longer declared (``retain_on_delete``: dropped without a provider call). With
  no dependencies between them, ScheduleDeletes puts them in one antichain and the step executor runs them in
  parallel: one failed delete does not stop the others, and the run fails after them (here they run one by one, in
  the reverse order of the old snapshot, each failure collected);
- a kill (SIGKILL of the CLI) is modelled as a run that stops right after its k-th provider step (create, update or
  delete) returned, before the engine recorded the result: the cloud has changed, the state has not. The real engine
  records a pending operation before each step (journal: "creating", "updating", "deleting"); pending creates stay
  until ``refresh --clear-pending-creates`` drops them (docs/recovery.md, which the CLI tier follows), the others
  are dropped by the next run. The model's state after a kill is the state after that recovery, minus its refresh
  (the machine's ``refresh`` rule is separate).

``refresh`` reads every resource in the state (pending deletes included): gone -> dropped, else its outputs (and
inputs when ``read`` returns them) replace the stored ones.

Not modelled: parallel steps (the engine runs independent steps concurrently; here they run one by one), a kill in the
middle of a provider call (the provider's own crash handling is covered by tests/reliability/test_crash_recovery.py),
``protect``, dependencies between resources (there are none in this program), the preview a plain ``pulumi up``
makes first (it runs ``check`` and ``diff`` of every resource, so a refusal in ``diff`` comes before any change of any
resource; the model, like the tests' ``up --skip-preview``, calls them within the up), the ``check`` the engine calls
again without old inputs before a replacement (the provider's check does not depend on them), and the engine's own
checkpoint format.
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
        _check_renames(program)
        olds = [*self.state.values(), *self.pending]  # the old snapshot, in its order
        seen: set[str] = set()  # names registered so far (the engine's sg.urns)
        aliased: dict[str, str] = {}  # old name -> the name that took its state through an alias (sg.aliased)
        for decl in program:
            if decl.name in aliased:
                raise CertificateError(f"{decl.name}: duplicate resource alias: {aliased[decl.name]!r} claims it")
            old = self.state.get(decl.name)
            if old is None:
                for alias in decl.aliases:
                    if alias not in self.state:
                        continue
                    if alias in seen or alias in aliased:
                        raise CertificateError(f"{decl.name}: duplicate resource alias {alias!r}")
                    aliased[alias] = decl.name
                    old = self.state.pop(alias)
                    old.name = decl.name
                    self.state[decl.name] = old
                    break
            seen.add(decl.name)
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
                self.pending.append(old)  # marked delete: true in place, deleted with the others below
        # GenerateDeletes, after every registration: the resources marked for deletion (replaced in this run or left
        # pending by an earlier one) and those no longer declared. With no dependencies between them they form one
        # antichain, run in parallel: one failed delete does not stop the others, and the run fails at the end.
        # Here they run one by one, in the reverse order of the old snapshot.
        declared = {d.name for d in program}
        removed = [r for r in self.state.values() if r.name not in declared]
        condemned = [r for r in olds if r in self.pending or r in removed]
        errors: list[str] = []
        for res in reversed(condemned):
            try:
                if res in self.pending:
                    self._delete(provider, res)
                    self.pending.remove(res)
                    continue
                if not res.retain:
                    self._delete(provider, res)
                del self.state[res.name]
                run.removed.append(res.id)
            except CertificateError as error:
                errors.append(str(error))
        if errors:
            raise CertificateError("\n".join(errors))

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


def _check_renames(program: Sequence[Decl]) -> None:
    """The stack-file loader's refusal (provider.stackfile): a former name that is another entry's name, or that two
    entries claim, fails the program before the engine sees a resource."""
    names = {d.name for d in program}
    claimed: dict[str, str] = {}
    for decl in program:
        for old in decl.aliases:
            if old in names or old in claimed:
                raise CertificateError(
                    f"certificates.{decl.name}.renamed_from: {old!r} is another entry's name or claimed twice"
                )
            claimed[old] = decl.name


def _without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != "__provider"}
