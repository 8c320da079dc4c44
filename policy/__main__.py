"""The project's policy pack for certificate stacks: the rules of ``provider.policies`` as CrossGuard policies.

Run with ``pulumi preview --policy-pack policy [--policy-pack-config policy/config/<stack>.json]``. Each rule is a
policy of the same name; its enforcement level (mandatory, advisory, disabled) and its settings come from the pack's
configuration, per stack (README, "Policies").
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from provider.policies import RULES, TYPE_TOKEN, Context, Rule, rule_config


def _validation(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != TYPE_TOKEN:
            return
        context = Context(
            stack=os.environ.get("PULUMI_STACK", ""),
            protect=bool(args.opts.protect),
            now=dt.datetime.now(dt.UTC),
        )
        for problem in rule.check(args.props, rule_config(rule, args.get_config()), context):
            report(problem, args.urn)

    return validate


def _policy(rule: Rule) -> ResourceValidationPolicy:
    schema: dict[str, dict[str, Any]] = {name: dict(s) for name, s in rule.settings.items()}
    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=_validation(rule),
        enforcement_level=EnforcementLevel(rule.level),
        config_schema=PolicyConfigSchema(properties=schema) if schema else None,
    )


PolicyPack(
    name="tencent-ssl-certificates",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[_policy(rule) for rule in RULES],
)
