"""How a client reaches a mock server: what a server object and its remote handle share.

A :class:`~mock_targets.s3.MockS3Server` in this process and the S3 server of a
:class:`~mock_targets.process.ServerProcess` in a child process are reached the
same way (an endpoint, a region, the server's throwaway credentials; a host,
port, user, key file and known_hosts file for SFTP). The target specs, boto3
clients and bucket creation are written once, here, for both. This module
imports neither moto nor asyncssh: the app's process, which only talks to a
child's servers, never loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feedcore.targets import S3Target, SFTPTarget

__all__ = ["S3Access", "SFTPAccess"]


class S3Access:
    """Client-side access to a mock S3 endpoint (mixed into the server and its handle)."""

    region: str
    access_key_id: str
    secret_access_key: str

    @property
    def endpoint_url(self) -> str:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """Environment variables for an outside client (aws CLI) to reach this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }

    def session(self) -> Any:
        """A boto3 Session holding the fake credentials (never the user's real ones)."""
        import boto3

        return boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name=self.region,
        )

    def client(self, *, session: Any = None) -> Any:
        """A boto3 S3 client for this server: path-style, checksums only when required.

        ``session`` reuses a boto3 session of the caller's (see :meth:`target`).
        """
        from botocore.config import Config

        config = Config(
            region_name=self.region,
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"mode": "standard", "max_attempts": 3},
            max_pool_connections=20,
        )
        session = session if session is not None else self.session()
        return session.client("s3", endpoint_url=self.endpoint_url, config=config)

    def target(self, bucket: str, *, session: Any = None) -> S3Target:
        """``bucket`` on this server as a target spec, with the mock's fake credentials.

        ``session`` reuses a boto3 session of the caller's (botocore loads its
        service models per session, which costs more than a request).
        """
        return S3Target(
            bucket,
            self.endpoint_url,
            region=self.region,
            session=session if session is not None else self.session(),
        )

    def create_bucket(self, name: str, *, exist_ok: bool = False, client: Any = None) -> None:
        """Create ``name`` over HTTP (so it is reported like any other write).

        With ``exist_ok`` a bucket that already answers HEAD is left alone. A
        long-lived ``client`` of the caller's saves building one (boto3 loads
        its service models per session, which costs more than the request).
        """
        own = client is None
        if own:
            client = self.client()
        try:
            if exist_ok:
                try:
                    client.head_bucket(Bucket=name)
                    return
                except Exception:
                    pass
            if self.region == "us-east-1":
                client.create_bucket(Bucket=name)
            else:
                client.create_bucket(
                    Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region}
                )
        finally:
            if own:
                client.close()


class SFTPAccess:
    """Client-side access to a mock SFTP server (mixed into the server and its handle)."""

    host: str
    username: str
    private_key_file: Path
    known_hosts_file: Path

    @property
    def port(self) -> int:
        raise NotImplementedError

    def target(self, host: str | None = None, port: int | None = None) -> SFTPTarget:
        """This server's login as a target spec (key login, this server's host key).

        ``host`` and ``port`` are what file URLs and names say (a feed's
        configured ``hostname[:port]``; port 22 when only a host is given);
        by default where this server listens. The connection always comes here.
        """
        return SFTPTarget(
            host or self.host,
            port if host else self.port,
            username=self.username,
            known_hosts=self.known_hosts_file,
            client_key=self.private_key_file,
            connect_host=self.host,
            connect_port=self.port,
        )
