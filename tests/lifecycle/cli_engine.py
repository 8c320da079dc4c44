"""The CLI tier's engine: the machine's stack file written to a project copy and ``pulumi up``/``refresh`` run by the
real CLI against the emulator (``support.project.Project``), the state read back with ``pulumi stack export``.

It offers what the machine uses of ``engine.Engine``: ``up``, ``refresh``, ``state``, ``pending``, ``all_ids`` and
``identity``. Lineages (which resource a certificate belongs to) are derived from the state before and after a run:
an id seen before keeps its lineage; a new id at a name that held another one (or at a name whose ``renamed_from``
held it) is that resource's replacement; any other new id starts a lineage. A kill is a SIGKILL of the CLI's whole
process tree ``kill_after`` seconds into an ``up``, then the recovery docs/recovery.md gives (``pulumi cancel``,
``refresh --clear-pending-creates``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from support.host import descendants, kill_tree
from support.project import WRITE_ACTIONS, Project

from .engine import Decl, Res, RunResult

__all__ = ["CliEngine", "stack_file"]

TYPE = "pulumi-python:dynamic/tencentcloud:Certificate"
IDENTITY_TYPE = "pulumi-python:dynamic/tencentcloud:StackIdentity"


def stack_file(program: Sequence[Decl], cert_path: Any) -> str:
    """The stack file for ``program`` (each Decl's ``entry`` is the machine's ``Entry``)."""
    lines = ["certificates:"]
    for decl in program:
        e = decl.entry
        lines.append(f"  {e.name}:")
        if e.adopt_id:
            lines.append(f"    adopt: {{id: {e.adopt_id}, take_over: {str(e.take_over).lower()}}}")
        else:
            pem, key = cert_path(e.domain, e.serial)
            lines += ["    upload:", f"      certificate: {pem}", f"      private_key: {{file: {key}}}"]
        lines += [f"    alias: {e.name}", "    tags: {team: lifecycle}", "    delete_timeout: 120s"]
        lines.append(f"    check_resources: {str(e.check_resources).lower()}")
        lines.append(f"    rotate: {str(e.rotate).lower()}")
        if e.retain:
            lines.append("    retain: true")
        if e.regions:
            lines.append(f"    deploy_regions: {{clb: [{', '.join(e.regions)}]}}")
        if e.renamed_from:
            lines.append(f"    renamed_from: [{', '.join(e.renamed_from)}]")
    if not program:
        lines = ["certificates: {}"]
    return "\n".join(lines) + "\n"


class CliEngine:
    """``pulumi`` on one project copy (see the module docstring)."""

    def __init__(self, project: Project, material: Any) -> None:
        self.project = project
        self._material = material
        self.state: dict[str, Res] = {}
        self.pending: list[Res] = []
        self.identity = ""
        self._lineages = 0
        self._lineage_of: dict[str, int] = {}

    def all_ids(self) -> set[str]:
        return {r.id for r in self.state.values()} | {r.id for r in self.pending}

    def _cert_path(self, domain: str, serial: int) -> tuple[str, str]:
        pem, key = self._material(domain, serial)
        certs = self.project.certs
        name = f"m{serial}"
        if not (certs / f"{name}.pem").exists():
            (certs / f"{name}.pem").write_text(pem, encoding="utf-8")
            (certs / f"{name}.key").write_text(key, encoding="utf-8")
        return f"certs/{name}.pem", f"certs/{name}.key"

    def write(self, program: Sequence[Decl]) -> None:
        """Write the stack file (and the certificate files it names) for ``program``."""
        self.project.write_stack(stack_file(program, self._cert_path))

    def up(self, program: Sequence[Decl], kill_after: int | None = None) -> RunResult:
        self.write(program)
        before = {**self.state}
        if kill_after is None:
            proc = self.project.pulumi.run("up", "--yes", "--skip-preview", "--stack", self.project.stack,
                                           cwd=self.project.dir, check=False)  # fmt: skip
            run = RunResult(ok=proc.returncode == 0, lines=[proc.stdout])
            if not run.ok:
                run.error = proc.stdout
        else:
            run = self._killed_up(kill_after)
        self._read_state(program, before, run)
        return run

    def _killed_up(self, writes: int) -> RunResult:
        """``up`` killed (its whole tree, SIGKILL) once the emulator has seen ``writes`` more write calls."""
        start = len(self.project.emu.calls())
        proc = self.project.start("up", "--yes", "--skip-preview", new_session=True)
        while proc.poll() is None:
            seen = [c for c in self.project.emu.calls()[start:] if c["Action"] in WRITE_ACTIONS]
            if len(seen) >= writes and len(descendants(proc.pid)) >= 3:
                out = kill_tree(proc)
                break
            time.sleep(0.05)
        else:  # the run ended first: an ordinary run
            out, _ = proc.communicate(timeout=30)
            return RunResult(ok=proc.returncode == 0, lines=[out], error="" if proc.returncode == 0 else out)
        # docs/recovery.md: remove the lock the killed run left, read everything back, drop interrupted creates.
        # Both must work: cancel exits 0 on a self-managed backend whether or not a lock is left, and refresh only
        # reads (the machine's faults are on writes).
        self.project.cli("cancel", "--yes", check=False).expect(0)
        self.project.cli("refresh", "--yes", "--skip-preview", "--clear-pending-creates", check=False).expect(0)
        return RunResult(ok=False, killed=True, lines=[out])

    def refresh(self) -> RunResult:
        before = {**self.state}
        proc = self.project.pulumi.run("refresh", "--yes", "--skip-preview", "--stack", self.project.stack,
                                       cwd=self.project.dir, check=False)  # fmt: skip
        run = RunResult(ok=proc.returncode == 0, lines=[proc.stdout], error="" if proc.returncode == 0 else proc.stdout)
        self._read_state((), before, run)
        return run

    def _read_state(self, program: Sequence[Decl], before: dict[str, Res], run: RunResult) -> None:
        deployment = json.loads(self.project.cli("stack", "export"))["deployment"]
        resources = deployment.get("resources") or []
        aliases = {d.name: d.aliases for d in program}
        state: dict[str, Res] = {}
        pending: list[Res] = []
        for r in resources:
            if r["type"] == IDENTITY_TYPE:
                self.identity = str(r["id"])
            if r["type"] != TYPE:
                continue
            name = r["urn"].rsplit("::", 1)[1]
            cid = str(r["id"])
            lineage = self._lineage_of.get(cid)
            if lineage is None:
                earlier = next(
                    (before[n] for n in (name, *aliases.get(name, ())) if n in before and before[n].id != cid), None
                )
                if earlier is not None:
                    lineage = earlier.lineage
                    run.replaced.append((earlier.id, cid, lineage))
                else:
                    self._lineages += 1
                    lineage = self._lineages
                self._lineage_of[cid] = lineage
            res = Res(name, cid, dict(r.get("inputs") or {}), dict(r.get("outputs") or {}),
                      bool(r.get("retainOnDelete")), lineage)  # fmt: skip
            if r.get("delete"):
                pending.append(res)
            else:
                state[name] = res
        kept = {r.id for r in state.values()} | {r.id for r in pending}
        run.removed += [res.id for name, res in before.items() if res.id not in kept and name not in state]
        self.state, self.pending = state, pending
