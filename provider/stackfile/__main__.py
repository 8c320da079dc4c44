"""Check stack files without Pulumi or the cloud: ``python -m provider.stackfile [--no-secrets] stacks/*.yaml``.

Exit status 1 when a file has problems. ``--no-secrets`` does not read env and file keys, for CI jobs without them.
``--schema`` prints the stack file's JSON Schema (``stacks/stack.schema.json`` is this output).
"""

from __future__ import annotations

import argparse
import sys

from . import StackFileError, load_stack_file
from ._schema import schema_text


def main(argv: list[str] | None = None) -> int:
    """Check each file; print its problems (to stderr) or a one-line summary; 1 if any file has problems."""
    parser = argparse.ArgumentParser(
        prog="python -m provider.stackfile", description="Check stack files without Pulumi or the cloud."
    )
    parser.add_argument("files", nargs="*", help="stack files, e.g. stacks/dev.yaml")
    parser.add_argument("--no-secrets", action="store_true", help="do not read env and file private keys")
    parser.add_argument("--schema", action="store_true", help="print the stack file's JSON Schema and exit")
    args = parser.parse_args(argv)
    if args.schema:
        sys.stdout.write(schema_text())
        return 0
    if not args.files:
        parser.error("give one or more stack files, or --schema")
    status = 0
    for file in args.files:
        try:
            stack = load_stack_file(file, read_secrets=not args.no_secrets)
        except StackFileError as exc:
            print(exc, file=sys.stderr)
            status = 1
        else:
            print(f"{file}: ok, {len(stack.certificates)} certificate{'s' if len(stack.certificates) != 1 else ''}")
    return status


if __name__ == "__main__":
    sys.exit(main())
