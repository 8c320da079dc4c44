"""stacks/stack.schema.json is generated from the loader's rules, and the committed file is the current output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tencentcloud.ssl.v20191205 import models

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


def test_the_limits_are_tencents() -> None:
    # Written by hand from Tencent's documents, not read from provider.rules: a wrong rule fails here too.
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))["$defs"]
    # Tag limits (https://www.tencentcloud.com/document/product/651/13354): 50 tags a resource, keys of at most 127
    # characters; five of the 50 are the provider's own (pulumi:owner, claim, create, replaces, deploy).
    assert schema["tags"]["maxProperties"] == 45
    assert schema["tags"]["propertyNames"]["maxLength"] == 127
    # ApplyCertificate's DvAuthMethod, as the official SDK's model documents it ("DNS_AUTO：...", "DNS：...", ...).
    doc = models.ApplyCertificateRequest.__init__.__doc__ or ""
    documented = re.search(r":param _DvAuthMethod:(.*?):type DvAuthMethod", doc, re.S)
    assert documented is not None, "the SDK no longer documents ApplyCertificate's DvAuthMethod"
    assert re.findall(r"^\s*([A-Z_]+)：", documented.group(1), re.M) == ["DNS_AUTO", "DNS", "FILE"]
    assert schema["free"]["oneOf"][1]["properties"]["validation"]["enum"] == ["DNS_AUTO", "DNS", "FILE"]
    # Certificate ids are 8 letters and digits (GjTNRoK7 in Tencent's examples).
    certificate_id = re.compile(schema["certificate_id"]["anyOf"][0]["pattern"])
    assert [i for i in ("GjTNRoK7", "GjTNRoK", "GjTNRoK7x", "GjTN-oK7") if certificate_id.match(i)] == ["GjTNRoK7"]
    duration = re.compile(schema["duration"]["pattern"])
    assert [d for d in ("90s", "10m", "1h30m", "2h", "90", "", "h", "1m1h", "-5s") if duration.match(d)] == [
        "90s",
        "10m",
        "1h30m",
        "2h",
    ]
