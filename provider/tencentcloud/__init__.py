"""A small Tencent Cloud API 3.0 client: TC3 signing, HTTP transport, errors, retries and rate limiting."""
