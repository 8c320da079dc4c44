"""``python -m provider.review``: the command line, from arguments to a printed review and an exit status.

Exit status: 0, 2 when something planned will be refused (CI can label or block on it), 1 on an error (a message on
stderr, no traceback). The preview comes from ``--preview-json`` (a file, or ``-`` for stdin) or from running
``pulumi preview --json`` for the stack in the current directory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TextIO

from ..errors import CertificateError
from ..stackfile import StackFileError, load_stack_file
from ..tencentcloud.errors import TencentCloudError
from .access import WriteRefused, review_service
from .encoding import decode_document
from .jsonfmt import render_json
from .markdown import DEFAULT_MAX_CHARS, MIN_MAX_CHARS, render_markdown
from .model import Review, build_review
from .plan import Plan, PlanError, failed_on, load_json, read_plan
from .policies import PolicyResult, read_policy_events
from .preflight import asked_about, preflight
from .stacks import is_pattern, match_stacks, render_many_json, render_many_markdown, stack_names, worst_exit
from .state import read_state, with_released, with_state

__all__ = ["EXIT_ERROR", "ReviewError", "main", "make_review"]

EXIT_ERROR = 1


#: The longest expiry window --expiring-within takes (a century; a longer one is surely a typo).
MAX_EXPIRY_WINDOW_DAYS = 36_500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ReviewError(RuntimeError):
    """Raised when the review cannot be made (the CLI failed, an input is unreadable); the message says why."""


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors raised as ``ReviewError``: its own exit status 2 would read as "refused"."""

    def error(self, message: str) -> NoReturn:
        raise ReviewError(f"{message} (see --help)")


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m provider.review",
        description="Review what `pulumi up` will do to the stack's certificates, as a pull-request comment.",
    )
    parser.add_argument(
        "--stack",
        action="append",
        help="the Pulumi stack (default: the selected one, or the preview's); repeat it, or give a glob such as "
        "'prod-*', to review several stacks in one comment that says which of them the change touches",
    )
    parser.add_argument("--preview-json", metavar="FILE", help="the output of `pulumi preview --json` (- for stdin)")
    parser.add_argument(
        "--state-json", metavar="FILE", help="the output of `pulumi stack export` (default: run it for the stack)"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--cwd", type=Path, default=None, help="the Pulumi project directory (default: here)")
    parser.add_argument(
        "--expiring-within",
        type=_bounded(0, MAX_EXPIRY_WINDOW_DAYS),
        default=30,
        metavar="DAYS",
        help="list kept certificates expiring this soon",
    )
    parser.add_argument(
        "--policy-pack",
        metavar="DIR",
        help="also run this policy pack (one more `pulumi preview`) and list what it reports",
    )
    parser.add_argument(
        "--policy-pack-config",
        metavar="FILE",
        help="the pack's config for `--policy-pack`; {stack} in it is replaced by the stack's name",
    )
    parser.add_argument(
        "--max-chars",
        type=_bounded(MIN_MAX_CHARS, 10**9),
        default=DEFAULT_MAX_CHARS,
        help="size cap of the markdown comment (a note says so)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: Callable[[], dt.datetime] | None = None,
) -> int:
    """Run the command; returns the exit status."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except ReviewError as error:
        return _fail(err, str(error))
    env = os.environ if environ is None else environ
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    cwd = args.cwd or Path.cwd()
    wanted: list[str] = args.stack or []
    several = len(wanted) > 1 or any(is_pattern(s) for s in wanted)
    stack: str | None = None  # the one being reviewed, for the error message
    try:
        if several and (args.preview_json or args.state_json):
            raise ReviewError("--preview-json and --state-json describe one stack: give one --stack with them")
        stacks = _chosen_stacks(wanted, cwd, env) if several else [wanted[0] if wanted else None]
        reviews = []
        for stack in stacks:
            text = _preview_text(args.preview_json, stack, cwd, env, stdin or sys.stdin)
            plan = read_plan(text)
            name = stack or plan.stack
            plan = replace(plan, stack=name)  # the stack asked for names the review, whatever the URNs say
            plan = with_state(plan, read_state(_state_text(args.state_json, name, cwd, env)))
            plan = with_released(plan, _released(cwd, name, env))
            secret = functools.partial(_config_secret, stack=name, cwd=cwd, environ=env)
            review = make_review(plan, env, secret, clock(), args.expiring_within)
            if args.policy_pack:
                config = args.policy_pack_config.replace("{stack}", name) if args.policy_pack_config else None
                review = replace(review, policies=policy_results(args.policy_pack, config, name, cwd, env))
            reviews.append(review)
        if several and args.format == "json":
            text = render_many_json(reviews)
        elif several:
            text = render_many_markdown(reviews, args.max_chars)
        elif args.format == "json":
            text = render_json(reviews[0])
        else:
            text = render_markdown(reviews[0], max_chars=args.max_chars)
    except (ReviewError, PlanError, CertificateError, TencentCloudError, WriteRefused, OSError) as error:
        return _fail(err, str(error), f" (stack {stack})" if several and stack else "")
    except Exception as error:  # noqa: BLE001 - a bug must still end in one line and exit 1, never a traceback
        return _fail(err, f"the review failed unexpectedly ({type(error).__name__}); please report it with the input")
    out.write(_printable(text))
    out.flush()
    return worst_exit(reviews)


def _fail(err: TextIO, message: str, where: str = "") -> int:
    """Print ``provider.review: error: MESSAGE`` (no control characters from the input); the error status."""
    err.write(_printable(f"provider.review: error{where}: {_CONTROL.sub('', message)}") + "\n")
    err.flush()
    return EXIT_ERROR


def _printable(text: str) -> str:
    # A lone surrogate (JSON's "\ud800") cannot be written as UTF-8; it becomes "?" rather than a crash.
    return text.encode("utf-8", "replace").decode("utf-8")


def make_review(
    plan: Plan,
    environ: Mapping[str, str],
    secret_value: Callable[[str], str | None],
    now: dt.datetime,
    expiring_within: int = 30,
) -> Review:
    """The review of ``plan``; Tencent Cloud is asked (read-only) only when a certificate is to be deleted."""
    if not asked_about(plan.steps):
        return build_review(plan, preflight(plan.steps, None, now), now, expiring_within)
    ssl = review_service(plan.config, environ, secret_value)
    try:
        verdicts = preflight(plan.steps, ssl, now, ssl.region)
    except TencentCloudError as error:
        raise ReviewError(f"the pre-flight could not read Tencent Cloud: {error}") from None
    finally:
        ssl.close()
    return build_review(plan, verdicts, now, expiring_within)


def policy_results(
    pack: str, config: str | None, stack: str, cwd: Path, environ: Mapping[str, str]
) -> tuple[PolicyResult, ...]:
    """What policy pack ``pack`` reports on ``stack``: one more preview, whose streamed events carry the results."""
    command = ["preview", "--json", "--policy-pack", pack, *(["--policy-pack-config", config] if config else [])]
    proc = _pulumi([*command, *_stack_args(stack)], cwd, {**environ, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"})
    results = read_policy_events(proc.stdout.splitlines())
    # A mandatory violation fails that preview: a verdict. Any other failure (the pack did not start) is an error.
    if proc.returncode != 0 and not any(r.mandatory for r in results):
        said = "\n".join((proc.stderr.strip() + "\n" + _event_errors(proc.stdout)).strip().splitlines()[-20:])
        raise ReviewError(f"`pulumi {' '.join(command)}` exited {proc.returncode}:\n{said}")
    return results


def _event_errors(stdout: str) -> str:
    """The error diagnostics among streamed events."""
    said = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        diagnostic = event.get("diagnosticEvent") if isinstance(event, dict) else None
        if isinstance(diagnostic, dict) and diagnostic.get("severity") == "error":
            said.append(str(diagnostic.get("message", "")).strip())
    return "\n".join(said)


def _preview_text(given: str | None, stack: str | None, cwd: Path, environ: Mapping[str, str], stdin: TextIO) -> str:
    if given == "-":
        binary = getattr(stdin, "buffer", None)
        if binary is not None:
            return decode_document(binary.read(), "the preview on stdin")
        return stdin.read().removeprefix("\ufeff")
    return _given_or_pulumi(given, "the preview", ["preview", "--json"], stack, cwd, environ, _only_verdicts)


def _released(cwd: Path, stack: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    """The names ``stacks/<stack>.yaml`` lists under ``release:`` (none without the file, or when it is bad: the
    preview already said why)."""
    path = cwd / "stacks" / f"{stack.rsplit('/', 1)[-1]}.yaml"
    if not path.is_file():
        return ()
    try:
        return load_stack_file(path, environ=environ, read_secrets=False).released
    except StackFileError:
        return ()


def _state_text(given: str | None, stack: str | None, cwd: Path, environ: Mapping[str, str]) -> str:
    return _given_or_pulumi(given, "the stack export", ["stack", "export"], stack, cwd, environ)


def _only_verdicts(stdout: str) -> bool:
    """Whether a failed ``pulumi preview --json`` failed only on verdicts on the change (``failed_on``): deletes of
    protected resources, changes the provider refused."""
    try:
        return failed_on(load_json(stdout, "the preview")) is not None
    except PlanError:
        return False


def _given_or_pulumi(
    given: str | None,
    what: str,
    command: list[str],
    stack: str | None,
    cwd: Path,
    environ: Mapping[str, str],
    usable_failure: Callable[[str], bool] = lambda _: False,
) -> str:
    """The file ``given`` names, else the output of ``pulumi COMMAND`` (a failure says why, in the CLI's words,
    unless ``usable_failure`` says its output still describes the plan)."""
    if given:
        try:
            return decode_document(Path(given).read_bytes(), f"{what} {given}")
        except OSError as error:
            raise ReviewError(f"cannot read {what} {given}: {error.strerror or error}") from None
    proc = _pulumi([*command, *_stack_args(stack)], cwd, environ)
    if proc.returncode != 0 and not usable_failure(proc.stdout):
        # A JSON document on stdout carries the diagnostics; stderr what the CLI itself says.
        said = proc.stderr.strip() + ("\n" + _diagnostics(proc.stdout) if "--json" in command else "")
        tail = "\n".join(said.strip().splitlines()[-20:])
        raise ReviewError(f"`pulumi {' '.join(command)}` exited {proc.returncode}:\n{tail}")
    return proc.stdout


def _chosen_stacks(wanted: list[str], cwd: Path, environ: Mapping[str, str]) -> list[str]:
    """The stacks ``--stack`` names; globs are matched against ``pulumi stack ls --json`` for this project."""
    listed: list[str] = []
    if any(is_pattern(s) for s in wanted):
        proc = _pulumi(["stack", "ls", "--json"], cwd, environ)
        if proc.returncode != 0:
            raise ReviewError(f"`pulumi stack ls --json` exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        try:
            listed = stack_names(proc.stdout)
        except ValueError as error:
            raise ReviewError(str(error)) from None
    try:
        return match_stacks(wanted, listed)
    except ValueError as error:
        raise ReviewError(str(error)) from None


def _diagnostics(text: str) -> str:
    """The error diagnostics a failed ``pulumi preview --json`` printed, else the end of what it printed."""
    try:
        document = json.loads(text)
    except ValueError:
        return text.strip()[-2000:]
    found = document.get("diagnostics") if isinstance(document, dict) else None
    messages = [str(d.get("message", "")).strip() for d in found or [] if isinstance(d, dict)]
    return "\n".join(m for m in messages if m)


def _config_secret(key: str, stack: str | None, cwd: Path, environ: Mapping[str, str]) -> str | None:
    """A secret stack config value, decrypted by the CLI (never printed by the review)."""
    proc = _pulumi(["config", "get", key, *_stack_args(stack)], cwd, environ)
    return proc.stdout.rstrip("\n") if proc.returncode == 0 else None


def _stack_args(stack: str | None) -> list[str]:
    return ["--stack", stack] if stack else []


def _pulumi(args: list[str], cwd: Path, environ: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("pulumi", path=environ.get("PATH"))
    if binary is None:
        raise ReviewError("the `pulumi` CLI is not on PATH (give the preview with --preview-json FILE instead)")
    return subprocess.run(
        [binary, *args, "--non-interactive"],
        cwd=cwd,
        env=dict(environ),
        capture_output=True,
        text=True,
        check=False,
    )
