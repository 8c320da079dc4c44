"""Tencent Cloud SSL certificates as a Pulumi stack.

Layers, lowest first: ``tencentcloud`` (API 3.0 client) -> ``ssl`` (typed SSL/Tag operations) -> ``certificate``
(the Pulumi dynamic provider) <- ``stackfile`` (YAML stack files). Nothing imports a layer above it.
"""
