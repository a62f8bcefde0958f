"""Schemathesis hooks for the conformance run (loaded through its `hooks` setting).

Generated `Idempotency-Key` values are short strings that repeat from one case to
the next, so nearly every write would be a reuse with another body, which the API
rightly answers 422 (`idempotency_key_reused`), and no write would reach the
handler. A client uses a fresh key per operation: a valid generated key is
replaced by a random one. Invalid keys (empty, too long) are sent as generated.
"""

import uuid

import schemathesis

HEADER = "Idempotency-Key"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers
    if not headers:
        return
    for name, value in list(headers.items()):
        if name.lower() != HEADER.lower():
            continue
        if isinstance(value, str) and 1 <= len(value) <= 255 and value.isprintable():
            headers[name] = str(uuid.uuid4())
