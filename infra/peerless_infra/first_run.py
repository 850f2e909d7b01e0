"""What the local stack does at its first start, done once per deployment on AWS (a
CloudFormation custom resource runs it): the admin account, its password generated and
kept as an SSM SecureString (free, unlike a Secrets Manager secret), the instance actor's
name reserved, the OAuth client made. Every step is idempotent."""
from __future__ import annotations

import os
import secrets

ADMIN_PASSWORD_PARAMETER = "/peerless/admin-password"


def handler(event: dict, context) -> dict:
    if event["RequestType"] != "Delete":
        import boto3

        from peerless import accounts, auth
        from peerless.federation import actors

        def password() -> str:
            value = secrets.token_urlsafe(12)
            boto3.client("ssm").put_parameter(
                Name=os.environ.get("PEERLESS_ADMIN_PASSWORD_PARAMETER",
                                    ADMIN_PASSWORD_PARAMETER),
                Value=value, Type="SecureString", Overwrite=True)
            return value

        accounts.ensure_admin(password)
        actors.reserve_instance_actor()
        auth.ensure_oauth_client()
    return {"PhysicalResourceId": "peerless-first-run"}
