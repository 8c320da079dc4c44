"""Mutation check: break the product on purpose, one named mutant at a time, and see which tests notice.

Each mutant is one precise textual edit (file, old text, new text) that switches off a behaviour the project
promises: retries, the checked delete, waiting for the deletion task, the ownership rule, the review's read-only
guard, the private key's secret flag, the replacement link a rotation follows, the rate limiter, the domain
coverage check, signing the action. For each, the tests chosen to catch it run against the mutated product; a
mutant is *caught* when at least one of them fails, and *survives* when all pass: a gap in the suite.

The working tree is never touched. Its files (tracked and new, as git sees them; nothing ignored) are copied to a
temporary directory, each mutant is applied to the copy and undone from the saved original after its run, and the
copy is removed at the end, on Ctrl-C and on SIGTERM alike. Every mutant's old text must occur exactly once in its
file: when the code has moved, the script stops before running anything and says which mutant to update.

Before the mutants, the union of their tests runs once on the unmutated copy (the baseline): a test that already
fails there would "catch" every mutant, so a failing baseline stops the run (``--no-baseline`` skips it).

    scripts/mutants                          # every mutant, a table on stdout
    scripts/mutants --write docs/MUTANTS.md  # the same, also written as a document
    scripts/mutants --list                   # the mutants and their tests, running nothing
    scripts/mutants rate-limiter-off ...     # only the mutants named

Exit status: 0 when every mutant run was caught, 1 when one survived or the baseline failed, 2 when a mutant no
longer applies.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One behaviour-breaking edit: ``old`` (exactly once in ``path``) becomes ``new``; ``tests`` should catch it."""

    name: str
    breaks: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    note: str = ""
    also: tuple[tuple[str, str, str], ...] = ()  # further edits (path, old, new) of the same mutant

    @property
    def edits(self) -> tuple[tuple[str, str, str], ...]:
        return ((self.path, self.old, self.new), *self.also)


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name="no-retries",
        breaks="RetryPolicy never retries: is_retryable answers False for every failure",
        path="provider/tencentcloud/retry.py",
        old="""        if isinstance(error, HttpStatusError):
            return is_retryable_status(error.status_code)
        if isinstance(error, TransportError):
            return True""",
        new="""        if isinstance(error, BaseException):
            return False
        if isinstance(error, TransportError):
            return True""",
        tests=(
            "tests/client_http/test_client_over_http.py::test_retries_injected_error_codes",
            "tests/client_http/test_client_over_http.py::test_retries_http_502",
            "tests/client_http/test_client_over_http.py::test_rate_limit_refusals_are_retried_never_surfaced",
            "tests/provider/tencentcloud/test_client.py::test_transient_failures_are_retried_then_succeed",
            "tests/provider/tencentcloud/test_retry.py",
            "tests/reliability/test_fault_matrix.py::test_fault[InternalError-UploadCertificate]",
            "tests/reliability/test_fault_matrix.py::test_the_retry_gives_up_at_its_limit",
        ),
    ),
    Mutant(
        name="check-resource-off",
        breaks="DeleteCertificate is sent with IsCheckResource false whatever the entry says",
        path="provider/ssl/service.py",
        old='"IsCheckResource": bool(check_resources)',
        new='"IsCheckResource": False',
        tests=(
            "tests/provider/test_deletion.py::test_delete_checks_resources_and_waits_for_the_task",
            "tests/provider/test_deletion.py::test_delete_of_a_bound_certificate_fails_and_keeps_it",
            "tests/e2e/test_certificates.py::test_bound_certificate_is_refused_kept_and_deleted_after_unbinding",
        ),
    ),
    Mutant(
        name="delete-no-wait",
        breaks="a delete returns as soon as DeleteCertificate gives a task, before the task ends",
        path="provider/deletion.py",
        old="""            task = self._wait_task(entry, id_, outcome.task_id, deadline, timeout, checks_timed_out)
""",
        new="""            return
            task = self._wait_task(entry, id_, outcome.task_id, deadline, timeout, checks_timed_out)
""",
        tests=(
            "tests/provider/test_deletion.py::test_delete_checks_resources_and_waits_for_the_task",
            "tests/provider/test_deletion.py::test_delete_task_failed",
            "tests/provider/test_deletion.py::test_delete_deadline_keeps_the_task_and_resumes_it",
        ),
    ),
    Mutant(
        name="ownership-always-ours",
        breaks="the ownership verdict always lets this resource delete the certificate",
        path="provider/ownership.py",
        old="""    holder = holder_of(tags, owner) if owner else Holder.NOBODY
""",
        new="""    return Verdict(True)
    holder = holder_of(tags, owner) if owner else Holder.NOBODY
""",
        tests=(
            "tests/provider/test_ownership_rule.py::test_a_delete_needs_both_marks_to_name_the_resource",
            "tests/provider/review/test_review_preflight.py::test_a_certificate_another_stack_took_over_is_left_in_place_as_up_leaves_it",
            "tests/reliability/test_ownership.py::test_renaming_an_adopt_entry_without_renamed_from_keeps_the_certificate",
            "tests/reliability/test_ownership.py::test_forced_replace_of_an_adoption_keeps_the_certificate",
        ),
    ),
    Mutant(
        name="ownership-read-failure-ignored",
        breaks="a failed read of the ownership tags before a delete counts as no marks, and the delete goes ahead",
        path="provider/deletion.py",
        old="""        except TencentCloudError as error:
            raise CertificateError(
                f"{entry}: could not read the ownership tags of certificate {id_} before deleting it: {error}. It \"""",
        new="""        except TencentCloudError as error:
            tags = {}
            if False: raise CertificateError(
                f"{entry}: could not read the ownership tags of certificate {id_} before deleting it: {error}. It \"""",
        tests=("tests/provider/test_deletion.py::test_delete_refuses_when_the_ownership_tags_cannot_be_read",),
    ),
    Mutant(
        name="retry-one-attempt-short",
        breaks="RetryPolicy gives up one attempt before TENCENTCLOUD_MAX_ATTEMPTS",
        path="provider/tencentcloud/retry.py",
        old="if attempt >= self.max_attempts or not self.is_retryable(error):",
        new="if attempt >= self.max_attempts - 1 or not self.is_retryable(error):",
        tests=(
            "tests/reliability/test_fault_matrix.py::test_fault[InternalError-DescribeCertificates]",
            "tests/reliability/test_fault_matrix.py::test_fault[HTTP-502-DescribeCertificateDetail]",
        ),
    ),
    Mutant(
        name="rolled-back-details-ignored",
        breaks="a deploy record whose own details were rolled back, with no rollback record after it, is read as "
        "partly failed: the rotation retries it and the pending-deletion warning says it failed",
        path="provider/rotation.py",
        old="""        if rollbacks or any(d.status in _ROLLED_BACK for d in details):
            by""",
        new="""        if rollbacks:
            by""",
        also=(
            (
                "provider/rotation.py",
                """    if rollbacks or any(d.status in _ROLLED_BACK for d in details):
        by""",
                """    if rollbacks:
        by""",
            ),
        ),
        tests=(
            "tests/provider/test_rotation_branches.py::test_a_record_whose_own_details_were_rolled_back_gets_a_new_one_without_a_retry",
            "tests/provider/test_rotation_records.py::test_the_pending_deletion_warning_reads_details_rolled_back_in_place_as_up_does",
        ),
    ),
    Mutant(
        name="review-guard-off",
        breaks="the review's caller passes write actions on instead of refusing them",
        path="provider/review/access.py",
        old="if action not in READ_ACTIONS:",
        new="if False:",
        tests=(
            "tests/provider/review/test_review_preflight.py::test_the_read_only_caller_refuses_a_write_before_it_is_sent",
            "tests/provider/review/test_review_access.py",
        ),
    ),
    Mutant(
        name="review-service-unguarded",
        breaks="the review builds its service on the plain client, without the read-only caller",
        path="provider/review/access.py",
        old="caller = ReadOnlyCaller(Client(credentials, client_settings))",
        new="caller = Client(credentials, client_settings)",
        tests=("tests/provider/review/test_review_access.py",),
    ),
    Mutant(
        name="private-key-not-secret",
        breaks="the private key loses its secret flag, and the program its secret wrapper: a key from a file or "
        "the environment is sent, and stored in the state, as plain text",
        path="provider/fields.py",
        old='"PEM private key (a CA certificate has none)",\n        sources=("upload",),\n'
        '        replace=True,\n        secret=True,',
        new='"PEM private key (a CA certificate has none)",\n        sources=("upload",),\n'
        '        replace=True,\n        secret=False,',
        note="two edits: with the flag alone dropped, the program's wrapper keeps the key secret in the state "
        "and only tests/provider/test_inputs_schema.py notices",
        also=(
            (
                "provider/program.py",
                "    return pulumi.Output.secret(resolve_secret(ref, stack.base_dir, environ))",
                "    return resolve_secret(ref, stack.base_dir, environ)",
            ),
        ),
        tests=(
            "tests/reliability/test_security.py::test_no_secret_reaches_output_state_pickle_or_call_log",
            "tests/provider/test_inputs_schema.py",
        ),
    ),
    Mutant(
        name="rotation-any-certificate",
        breaks="a rotation moves resources onto any complete certificate of the entry, linked or not",
        path="provider/ownership.py",
        old="""        and certificate_id in split_replaced(row.tags.get(REPLACES_TAG, ""))
""",
        new="""        and (certificate_id in split_replaced(row.tags.get(REPLACES_TAG, "")) or True)
""",
        tests=(
            "tests/provider/test_ownership_rule.py::test_successor_of_is_only_a_certificate_that_names_the_old_one",
            "tests/provider/test_rotation_records.py::test_a_removal_never_moves_resources_to_an_older_certificate_of_the_entry",
            "tests/lifecycle/test_found_violations.py::test_removal_after_a_retained_certificate_never_rotates",
            "tests/provider/review/test_review_preflight.py::test_a_pending_deletion_is_rotated_only_onto_the_replacement_tagged_as_naming_it",
        ),
    ),
    Mutant(
        name="rate-limiter-off",
        breaks="the client never waits for its per-action rate limiter",
        path="provider/tencentcloud/client.py",
        old="""            if self._limiter is not None:
                self._limiter.acquire(f"{service}.{action}")""",
        new="""            if False and self._limiter is not None:
                self._limiter.acquire(f"{service}.{action}")""",
        tests=(
            "tests/client_http/test_client_over_http.py::test_thirty_quick_calls_from_threads_stay_under_the_rate_limit",
            "tests/provider/tencentcloud/test_client.py::test_rate_limit_spaces_calls_of_one_action",
        ),
    ),
    Mutant(
        name="coverage-off",
        breaks="a rotation deploys the successor without checking that it covers each bound resource's domain",
        path="provider/rotation.py",
        old="""        refuse_uncovered(self._ssl, entry, old, new, bound)
""",
        new="""        pass
""",
        tests=(
            "tests/lifecycle/test_found_violations.py::test_a_rotation_never_deploys_onto_a_domain_the_certificate_does_not_cover",
            "tests/lifecycle/test_found_violations.py::test_a_rotation_refused_for_coverage_waits_for_the_user",
            "tests/reliability/test_rotation.py::test_a_covering_certificate_after_a_coverage_refusal_takes_over_the_pending_rotation",
        ),
    ),
    Mutant(
        name="action-unsigned",
        breaks="the client signs only content-type and host, as the SDKs do, not x-tc-action",
        path="provider/tencentcloud/client.py",
        old="""            timestamp=timestamp,
            action=action,
        )""",
        new="""            timestamp=timestamp,
        )""",
        tests=(
            "tests/client_http/test_client_over_http.py::test_a_captured_read_cannot_be_replayed_as_a_write",
            "tests/provider/tencentcloud/test_client.py::test_headers_and_signature",
        ),
    ),
)


class MutantMoved(Exception):
    """A mutant's old text is not exactly once in its file any more: the code moved and the mutant needs updating."""


@dataclasses.dataclass
class Outcome:
    """What one run of tests did: the failed test ids, how many ran, the wall time, and whether it timed out."""

    failed: list[str]
    ran: int
    seconds: float
    timed_out: bool = False
    status: int = 0

    @property
    def caught(self) -> bool:
        """Some test failed. A run that hung or stopped without a failing test proves nothing."""
        return bool(self.failed)


def check_applies(root: Path, mutant: Mutant) -> dict[Path, str]:
    """The original text of each file the mutant edits, after checking that each old text occurs exactly once."""
    if not mutant.tests:
        raise MutantMoved(f"mutant {mutant.name}: no tests are listed to catch it")
    originals: dict[Path, str] = {}
    for name, old, _ in mutant.edits:
        path = root / name
        if not path.is_file():
            raise MutantMoved(f"mutant {mutant.name}: {name} does not exist")
        text = originals.setdefault(path, path.read_text(encoding="utf-8"))
        count = text.count(old)
        if count != 1:
            where = "is not" if count == 0 else f"occurs {count} times"
            raise MutantMoved(
                f"mutant {mutant.name}: its old text {where} in {name} (exactly once needed): the code moved; "
                f"update the mutant in scripts/mutants.py\n--- old text ---\n{old}"
            )
    return originals


def apply(root: Path, mutant: Mutant) -> dict[Path, str]:
    """Apply every edit of ``mutant`` under ``root``; returns the original texts, for ``restore``."""
    originals = check_applies(root, mutant)
    mutated = dict(originals)
    for name, old, new in mutant.edits:
        mutated[root / name] = mutated[root / name].replace(old, new, 1)
    for path, text in mutated.items():
        path.write_text(text, encoding="utf-8")
    return originals


def restore(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")


def copy_tree(dest: Path) -> None:
    """Copy the working tree's files as git sees them (tracked and new, nothing ignored) to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the working tree but still in the index
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


class _Stop(Exception):
    """SIGTERM, turned into an exception so that the copy is removed on the way out."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@contextmanager
def scratch_copy(keep: bool) -> Iterator[Path]:
    """A temporary copy of the tree, removed afterwards whatever happens (unless ``keep``)."""
    base = Path(tempfile.mkdtemp(prefix="mutants-"))
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        tree = base / "tree"
        tree.mkdir()
        copy_tree(tree)
        yield tree
    finally:
        signal.signal(signal.SIGTERM, previous)
        if keep:
            print(f"kept {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


def run_tests(tree: Path, tests: Sequence[str], report: Path, timeout: float, verbose: bool) -> Outcome:
    """Run ``tests`` with pytest in ``tree``, the copy's ``provider`` first on every path; read the junit report."""
    env = dict(os.environ)
    # The copy first, for pytest and for every process the tests start (they also put their own REPO, the copy,
    # on PYTHONPATH): the venv's editable install would otherwise import the working tree's modules.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), str(tree / "tests"), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    report.unlink(missing_ok=True)
    # `-m ""` lifts pyproject's `-m 'not long'`: a test listed by name runs, whatever its marks.
    command = [str(PYTHON), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", ""]
    command += ["--junitxml", str(report), "-o", "junit_family=xunit1", *tests]
    started = time.monotonic()
    # A session of its own, so that an interrupted run can be stopped with everything it started, and nothing else.
    child = subprocess.Popen(
        command,
        cwd=tree,
        env=env,
        stdout=None if verbose else subprocess.DEVNULL,
        stderr=None if verbose else subprocess.DEVNULL,
        start_new_session=True,
    )
    timed_out = False
    try:
        status = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        status = _stop(child)
    except BaseException:
        _stop(child)
        raise
    seconds = time.monotonic() - started
    failed, ran = _read_junit(report)
    return Outcome(failed, ran, seconds, timed_out, status)


def _stop(child: subprocess.Popen[bytes]) -> int:
    """Interrupt the child's session (pytest tears its fixtures down), then kill it if it lingers."""
    try:
        os.killpg(child.pid, signal.SIGINT)
        return child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        return child.wait()
    except ProcessLookupError:
        return child.wait()


def _read_junit(report: Path) -> tuple[list[str], int]:
    if not report.is_file():
        return [], 0
    failed: list[str] = []
    ran = 0
    for case in ET.parse(report).getroot().iter("testcase"):
        ran += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{case.get('file') or case.get('classname')}::{case.get('name')}")
    return failed, ran


def markdown(results: Sequence[tuple[Mutant, Outcome]], baseline: Outcome | None, when: str) -> str:
    """The document: one row per mutant, with the tests that caught it and the time its run took."""
    caught = sum(1 for _, o in results if o.caught)
    total = sum(o.seconds for _, o in results) + (baseline.seconds if baseline else 0.0)
    lines = [
        "# Mutants",
        "",
        "Each mutant switches off one behaviour the project promises by a textual edit of the product "
        "(`scripts/mutants.py` lists the file, the old text and the new). For each, the tests chosen to catch it "
        "ran against the mutated product in a temporary copy of the tree: a mutant is caught when at least one "
        "of them fails. Written by `scripts/mutants --write docs/MUTANTS.md` (`make mutants`); do not edit by hand.",
        "",
        f"Run of {when}: {caught} of {len(results)} mutants caught; {total / 60:.1f} min in all"
        + (
            f" (baseline, the same tests unmutated: {baseline.ran} passed in {baseline.seconds:.0f} s)."
            if baseline
            else " (no baseline run)."
        ),
        "",
        "| mutant | what it breaks | edits | result | caught by (failed / run) | time |",
        "|---|---|---|---|---|---|",
    ]
    for mutant, outcome in results:
        result = "caught" if outcome.caught else "**survived**"
        if outcome.timed_out:
            result += f" (stopped after {outcome.seconds:.0f} s)"
        by = _catchers(outcome.failed)
        note = f" ({mutant.note})" if mutant.note else ""
        files = "<br>".join(f"`{name}`" for name in dict.fromkeys(e[0] for e in mutant.edits))
        lines.append(
            f"| `{mutant.name}` | {mutant.breaks}{note} | {files} | {result} | {by} "
            f"({len(outcome.failed)} / {outcome.ran}) | {outcome.seconds:.0f} s |"
        )
    lines.append("")
    return "\n".join(lines)


def _catchers(failed: Sequence[str], shown: int = 6) -> str:
    """The failed tests, parametrised cases of one test folded into one line with their count."""
    counts: dict[str, int] = {}
    for test in failed:
        name = test.split("[", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    lines = [f"`{name}`" + (f" ×{n}" if n > 1 else "") for name, n in counts.items()]
    if len(lines) > shown:
        lines = [*lines[:shown], f"and {len(lines) - shown} more"]
    return "<br>".join(lines) or "none"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only these mutants (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and their tests; run nothing")
    parser.add_argument("--write", metavar="FILE", help="also write the markdown report to FILE")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of the tests")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per mutant's run")
    parser.add_argument(
        "--tests", action="append", metavar="TEST", help="run these tests instead of the mutants' own (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (for debugging)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's output")
    args = parser.parse_args(argv)

    known = {m.name: m for m in MUTANTS}
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[n] for n in args.names] if args.names else list(MUTANTS)
    if args.tests:  # to find which tests catch a mutant
        chosen = [dataclasses.replace(m, tests=tuple(args.tests)) for m in chosen]
    try:
        for mutant in chosen:
            check_applies(REPO, mutant)
    except MutantMoved as moved:
        print(f"scripts/mutants: {moved}", file=sys.stderr)
        return 2
    if args.list:
        for mutant in chosen:
            print(f"{mutant.name}: {mutant.breaks} ({', '.join(dict.fromkeys(e[0] for e in mutant.edits))})")
            for test in mutant.tests:
                print(f"    {test}")
        return 0
    if not PYTHON.is_file():
        print("scripts/mutants: no .venv here; run `make venv` first", file=sys.stderr)
        return 2

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    if head.returncode == 0:
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
        when += f", tree {head.stdout.strip()}" + (" with local changes" if dirty.strip() else "")
    results: list[tuple[Mutant, Outcome]] = []
    baseline: Outcome | None = None
    try:
        with scratch_copy(args.keep) as tree:
            report = tree.parent / "junit.xml"
            probe = subprocess.run(
                [str(PYTHON), "-c", "import provider; print(provider.__file__)"],
                cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree)},
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            if not probe.startswith(str(tree)):
                print(f"scripts/mutants: the copy imports provider from {probe}, not {tree}", file=sys.stderr)
                return 2
            if not args.no_baseline:
                union = list(dict.fromkeys(t for m in chosen for t in m.tests))
                print(f"baseline: {len(union)} test selection(s), unmutated ...", flush=True)
                baseline = run_tests(tree, union, report, args.timeout * 2, args.verbose)
                if baseline.failed or baseline.status != 0 or baseline.ran == 0:
                    print(f"baseline FAILED ({baseline.seconds:.0f} s): without any mutant:", file=sys.stderr)
                    for test in baseline.failed or ["(no test ran, or pytest stopped early)"]:
                        print(f"    {test}", file=sys.stderr)
                    return 1
                print(f"baseline: {baseline.ran} passed in {baseline.seconds:.0f} s", flush=True)
            for mutant in chosen:
                originals = apply(tree, mutant)
                try:
                    print(f"{mutant.name}: running {len(mutant.tests)} test selection(s) ...", flush=True)
                    outcome = run_tests(tree, mutant.tests, report, args.timeout, args.verbose)
                finally:
                    restore(originals)
                results.append((mutant, outcome))
                verdict = "caught" if outcome.caught else "SURVIVED"
                print(f"{mutant.name}: {verdict} ({len(outcome.failed)} of {outcome.ran} failed, "
                      f"{outcome.seconds:.0f} s)", flush=True)  # fmt: skip
                for test in outcome.failed:
                    print(f"    {test}", flush=True)
    except (KeyboardInterrupt, _Stop):
        print("scripts/mutants: interrupted; the working tree was never changed", file=sys.stderr)
        return 130
    document = markdown(results, baseline, when)
    print()
    print(document)
    if args.write:
        Path(args.write).write_text(document, encoding="utf-8")
    return 0 if all(o.caught for _, o in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
