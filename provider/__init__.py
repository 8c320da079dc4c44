"""Tencent Cloud SSL certificates as a Pulumi stack.

Layers, lowest first: ``tencentcloud`` (API 3.0 client) -> ``ssl`` (typed SSL/Tag operations) -> ``certificate``
(the Pulumi dynamic provider) <- ``stackfile`` (YAML stack files). Below them all, plain data: ``rules`` (the rules on
ids, tags, durations...) and ``fields`` (the field registry, each certificate field declared once). Nothing imports a
layer above it.
"""
