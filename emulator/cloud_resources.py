"""The kinds of fake cloud resource a certificate can be bound to, and which of them a one-click update reaches.

Tencent's lists differ per action, so the emulator keeps them in one place:
- bindings (admin API) and DescribeDeployedResources: every type any SSL action names;
- UpdateCertificateInstance ``ResourceTypes``: the SDK model's list (tencentcloud-sdk-python-ssl 3.1.145:
  clb, cdn, waf, live, ddos, teo, apigateway, vod, tke, tcb, tse, cos, mqtt, scf, tdmq, gaap);
- ``ResourceTypesRegions``: the types that have regions (same model: clb, tke, apigateway, waf, tcb, tse, cos, mqtt,
  scf, tdmq). A binding of such a type without an explicit region is in the emulator's ``--region``.
"""

from __future__ import annotations

__all__ = ["DEPLOY_TYPES", "REGIONAL_TYPES", "RESOURCE_TYPES"]

DEPLOY_TYPES = (
    "clb", "cdn", "waf", "live", "ddos", "teo", "apigateway", "vod", "tke", "tcb", "tse", "cos", "mqtt", "scf",
    "tdmq", "gaap",
)  # fmt: skip
REGIONAL_TYPES = ("clb", "tke", "apigateway", "waf", "tcb", "tse", "cos", "mqtt", "scf", "tdmq")
RESOURCE_TYPES = (
    "clb", "cdn", "waf", "live", "vod", "ddos", "antiddos", "teo", "tke", "apigateway", "tcb", "tse", "cos",
    "lighthouse", "mqtt", "scf", "tdmq", "gaap",
)  # fmt: skip
