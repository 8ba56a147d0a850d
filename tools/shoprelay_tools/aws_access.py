"""AWS access for the commands: a missing region, credentials or stack is one line, not a traceback.

Two kinds of target. An emulator (``--endpoint-url``, e.g. the local stack's moto server)
needs no AWS environment at all: the region defaults to the one the local stack uses and,
unless the shell sets keys, placeholder credentials are used (an emulator accepts any).
A real account needs a region and credentials from the usual places (flags, environment,
profile); when one is missing the command says which and how to give it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from shoprelay_tools.stack.provision import REGION as EMULATOR_REGION

_EMULATOR_KEY = "local"


class AwsAccessError(Exception):
    """The command cannot reach AWS or the stack; the message is the one line it prints."""


@dataclass(frozen=True)
class AwsTarget:
    """Where a command's AWS calls go."""

    endpoint_url: str | None = None
    region: str | None = None

    @property
    def emulated(self) -> bool:
        return self.endpoint_url is not None

    def session(self) -> boto3.session.Session:
        """A session whose region and credentials are known to be there, or AwsAccessError."""
        if self.emulated:
            region = self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            if os.environ.get("AWS_ACCESS_KEY_ID"):
                return boto3.session.Session(region_name=region or EMULATOR_REGION)
            return boto3.session.Session(
                aws_access_key_id=_EMULATOR_KEY,
                aws_secret_access_key=_EMULATOR_KEY,
                region_name=region or EMULATOR_REGION,
            )
        try:
            session = boto3.session.Session(region_name=self.region)
            credentials = session.get_credentials()
        except BotoCoreError as error:  # e.g. AWS_PROFILE names a profile that does not exist
            raise AwsAccessError(f"AWS configuration: {error}") from None
        if session.region_name is None:
            raise AwsAccessError(
                "no AWS region: pass --region, set AWS_DEFAULT_REGION, or give your AWS profile a region"
                " (for the local stack, pass --endpoint-url as its banner shows)"
            )
        if credentials is None:
            raise AwsAccessError(
                "no AWS credentials: set AWS_PROFILE (then `aws sso login` if it uses SSO) or"
                " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                " (for the local stack, pass --endpoint-url as its banner shows)"
            )
        return session

    def client(self, service: str, session: boto3.session.Session | None = None) -> Any:
        chosen: Any = session or self.session()
        return chosen.client(service, endpoint_url=self.endpoint_url)

    def where(self) -> str:
        """The target in words, for messages."""
        return f"the emulator at {self.endpoint_url}" if self.emulated else "AWS"


def explain(error: BaseException, target: AwsTarget | None = None) -> str | None:
    """One line for an AWS failure, or None when ``error`` is not one."""
    if isinstance(error, AwsAccessError):
        return str(error)
    if isinstance(error, ClientError):
        return _client_error(error, target)
    if isinstance(error, BotoCoreError):
        return _botocore_error(error, target)
    return None


def _client_error(error: ClientError, target: AwsTarget | None) -> str:
    details = error.response.get("Error", {})
    code = str(details.get("Code", "Error"))
    message = str(details.get("Message", "")).strip()
    hint = _CLIENT_HINTS.get(code)
    return f"{code}: {message}" + (f" ({hint(target)})" if hint else "")


def _botocore_error(error: BotoCoreError, target: AwsTarget | None) -> str:
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

    if isinstance(error, EndpointConnectionError):
        endpoint = str(error.kwargs.get("endpoint_url", ""))
        if (target is not None and target.emulated) or "amazonaws.com" not in endpoint:
            return f"cannot reach {endpoint}: is the local stack running (`make run`), and is that its address?"
        return f"cannot reach AWS: {error}"
    if isinstance(error, NoRegionError):
        return "no AWS region: pass --region or set AWS_DEFAULT_REGION"
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    return f"AWS: {error}"


def _expired(target: AwsTarget | None) -> str:
    return "refresh your credentials, e.g. `aws sso login`"


def _denied(target: AwsTarget | None) -> str:
    return "the credentials in use lack this permission"


_CLIENT_HINTS: dict[str, Callable[[AwsTarget | None], str]] = {
    "ExpiredToken": _expired,
    "ExpiredTokenException": _expired,
    "UnrecognizedClientException": _expired,
    "InvalidClientTokenId": _expired,
    "AccessDenied": _denied,
    "AccessDeniedException": _denied,
}
