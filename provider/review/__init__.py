"""Review a stack's planned certificate changes for a pull request: ``python -m provider.review``.

Modules by job, data flowing one way: ``plan`` (reads ``pulumi preview --json``), ``state``
(``pulumi stack export``: what the preview leaves out) and ``facts`` (what is shown of a
certificate: names, expiry, fingerprint, never PEM or key) -> ``access`` (read-only API access with the provider's
settings) -> ``preflight`` (will Tencent Cloud or Pulumi refuse a planned deletion?) -> ``model`` (rows and verdicts)
-> ``markdown`` / ``jsonfmt`` (the renderers) <- ``cli`` (the command line, reading its files through ``encoding``:
UTF-8, or UTF-16 with a byte-order mark). Importing any of them has no effect.
"""
