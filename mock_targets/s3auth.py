"""Request authentication for the mock S3: refuse what AWS refuses.

moto accepts any signature unless its IAM emulation is on. That switch is one
process-wide setting (``moto.settings.INITIAL_NO_AUTH_ACTION_COUNT``: the number
of requests served before authentication starts; infinite by default). With
the in-process threaded server there is no ``/moto-api/reset-auth`` round trip
to make, so the mock sets it directly, as moto's own ``enable_iam_authentication``
does, while any :class:`~mock_targets.s3.MockS3Server` runs (counted, so two
servers in one process do not undo each other), and puts back what it found
when the last one stops.

moto then checks every SigV4 signature against the IAM users of the request's
account: each server registers its credentials there (:func:`grant`) as a user,
or an assumed role for temporary credentials with a session token, allowed
``s3:*``. A wrong secret is ``SignatureDoesNotMatch``, an unknown key
``InvalidAccessKeyId``, a wrong token ``InvalidToken``, as on AWS.

What moto does not cover is answered by the server's WSGI wrapper
(:func:`refusal`): a request with no SigV4 ``Authorization`` header (anonymous,
presigned, or signature version 2) is ``AccessDenied`` rather than moto's
internal error, and moto's own control endpoints (``/moto-api/...``, which
could reset every bucket or switch authentication off) do not exist here.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from mock_targets.faults import S3Error

__all__ = ["grant", "refusal", "require_auth"]

_lock = threading.Lock()
_servers = 0
_found: float | None = None

_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


def require_auth(on: bool) -> None:
    """Count one more (``on``) or one fewer running server that needs authentication."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    global _servers, _found
    with _lock:
        if on:
            if _servers == 0:
                _found = settings.INITIAL_NO_AUTH_ACTION_COUNT
                settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
                ActionAuthenticatorMixin.request_count = 0
            _servers += 1
            return
        _servers -= 1
        if _servers == 0 and _found is not None:
            settings.INITIAL_NO_AUTH_ACTION_COUNT = _found
            _found = None


def grant(
    account_id: str,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None = None,
) -> None:
    """Let these credentials do anything in S3 for ``account_id`` (idempotent)."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    partition = get_partition(region)
    iam = iam_backends[account_id][partition]
    name = f"feedlab-mock-{access_key_id}"[:64]
    if session_token is None:
        if name not in iam.users:
            iam.create_user(region, name)
            iam.put_user_policy(name, "s3-all", _POLICY)
            key = iam.create_access_key(name)
            iam.access_keys.pop(key.physical_resource_id, None)
            key.access_key_id = access_key_id
            iam.access_keys[key.physical_resource_id] = key
        for key in iam.list_access_keys(name):
            key.secret_access_key = secret_access_key
        return
    try:
        role = iam.get_role(name)
    except Exception:  # moto's NoSuchEntity: not made yet
        role = iam.create_role(name, _TRUST, "/", None, "feedlab mock", [], None)
        iam.put_role_policy(name, "s3-all", _POLICY)
    sts = sts_backends[account_id][partition]
    assumed: Any = next(
        (r for r in sts.assumed_roles if r.access_key_id == access_key_id), None
    ) or sts.assume_role(region, "feedlab-mock", role.arn, "", 43200, "")
    assumed.access_key_id = assumed.access_key.access_key_id = access_key_id
    assumed.secret_access_key = assumed.access_key.secret_access_key = secret_access_key
    assumed.session_token = session_token


def refusal(environ: dict[str, Any], bucket: str) -> S3Error | None:
    """The answer AWS would give before looking at the request, or None to go on."""
    if bucket == "moto-api" or bucket.startswith("moto-api/"):
        return S3Error(404, "NoSuchBucket", "The specified bucket does not exist")
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        return S3Error(
            403,
            "AccessDenied",
            "Access Denied: this server accepts only requests signed with its credentials "
            "(SigV4 Authorization header)",
        )
    return None
