"""stacks/stack.schema.json is generated from the loader's rules, and the committed file is the current output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from provider import rules
from provider.stackfile._schema import json_schema, schema_text

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "stacks" / "stack.schema.json"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "stacks/stack.schema.json is stale; regenerate it: python -m provider.stackfile --schema > "
        "stacks/stack.schema.json"
    )


def test_the_command_prints_it() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "provider.stackfile", "--schema"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    assert out == schema_text()


def test_the_limits_come_from_the_rules() -> None:
    schema = json_schema()["$defs"]
    assert schema["tags"]["maxProperties"] == rules.MAX_USER_TAGS
    assert schema["tags"]["propertyNames"]["maxLength"] == rules.MAX_TAG_KEY
    assert schema["duration"]["pattern"] == rules.DURATION_PATTERN
    assert schema["certificate_id"]["anyOf"][0]["pattern"] == rules.CERTIFICATE_ID_PATTERN
    assert schema["certificate"]["properties"]["alias"]["anyOf"][0]["maxLength"] == rules.MAX_ALIAS
    assert schema["free"]["oneOf"][1]["properties"]["validation"]["enum"] == list(rules.VALIDATION_METHODS)
    assert json.loads(schema_text()) == json_schema()
