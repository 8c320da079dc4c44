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
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ..errors import CertificateError
from ..tencentcloud.errors import TencentCloudError
from .access import WriteRefused, review_service
from .jsonfmt import render_json
from .markdown import DEFAULT_MAX_CHARS, render_markdown
from .model import Review, build_review
from .plan import Plan, PlanError, read_plan
from .preflight import asked_about, preflight
from .stacks import is_pattern, match_stacks, render_many_json, render_many_markdown, stack_names, worst_exit
from .state import read_state, with_state

__all__ = ["EXIT_ERROR", "ReviewError", "main", "make_review"]

EXIT_ERROR = 1


class ReviewError(RuntimeError):
    """Raised when the review cannot be made (the CLI failed, an input is unreadable); the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        "--expiring-within", type=int, default=30, metavar="DAYS", help="list kept certificates expiring this soon"
    )
    parser.add_argument(
        "--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="size cap of the markdown comment (a note says so)"
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
    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    out, err = stdout or sys.stdout, stderr or sys.stderr
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
            plan = with_state(plan, read_state(_state_text(args.state_json, name, cwd, env)))
            secret = functools.partial(_config_secret, stack=name, cwd=cwd, environ=env)
            reviews.append(make_review(plan, env, secret, clock(), args.expiring_within))
    except (ReviewError, PlanError, CertificateError, TencentCloudError, WriteRefused, OSError) as error:
        where = f" (stack {stack})" if several and stack else ""
        err.write(f"provider.review: error{where}: {error}\n")
        return EXIT_ERROR
    if several:
        out.write(render_many_json(reviews) if args.format == "json" else render_many_markdown(reviews, args.max_chars))
    elif args.format == "json":
        out.write(render_json(reviews[0]))
    else:
        out.write(render_markdown(reviews[0], max_chars=args.max_chars))
    out.flush()
    return worst_exit(reviews)


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
        verdicts = preflight(plan.steps, ssl, now)
    except TencentCloudError as error:
        raise ReviewError(f"the pre-flight could not read Tencent Cloud: {error}") from None
    finally:
        ssl.close()
    return build_review(plan, verdicts, now, expiring_within)


def _preview_text(given: str | None, stack: str | None, cwd: Path, environ: Mapping[str, str], stdin: TextIO) -> str:
    if given == "-":
        return stdin.read()
    return _given_or_pulumi(given, "the preview", ["preview", "--json"], stack, cwd, environ)


def _state_text(given: str | None, stack: str | None, cwd: Path, environ: Mapping[str, str]) -> str:
    return _given_or_pulumi(given, "the stack export", ["stack", "export"], stack, cwd, environ)


def _given_or_pulumi(
    given: str | None, what: str, command: list[str], stack: str | None, cwd: Path, environ: Mapping[str, str]
) -> str:
    """The file ``given`` names, else the output of ``pulumi COMMAND`` (a failure says why, in the CLI's words)."""
    if given:
        try:
            return Path(given).read_text(encoding="utf-8")
        except OSError as error:
            raise ReviewError(f"cannot read {what} {given}: {error.strerror or error}") from None
    proc = _pulumi([*command, *_stack_args(stack)], cwd, environ)
    if proc.returncode != 0:
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
