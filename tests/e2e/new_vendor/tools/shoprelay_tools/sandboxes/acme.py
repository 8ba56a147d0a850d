"""A stand-in for Acme's orders API: ``POST /orders`` with the account's key."""

from __future__ import annotations

import json

from shoprelay_tools.sandboxes.base import DemoAccount, SandboxAnswer, SandboxRequest


class AcmeSandbox:
    name = "acme"

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def answer(self, request: SandboxRequest) -> SandboxAnswer:
        if (request.method, request.path) != ("POST", "/orders"):
            return SandboxAnswer.text(404, f"no {request.method} {request.path}")
        if request.headers.get("x-api-key") != self.api_key:
            return SandboxAnswer.json(401, {"error": "unknown key"})
        order = json.loads(request.body)
        if not {"order_id", "currency", "total"} <= set(order):
            return SandboxAnswer.json(400, {"error": "order_id, currency and total are required"})
        return SandboxAnswer.json(201, {"accepted": order["order_id"]})


DEMO = DemoAccount(settings={"api_key": "demo-acme-key"}, sandbox=lambda: AcmeSandbox(api_key="demo-acme-key"))
"""The demo shop's Acme account (local-only, made-up credentials)."""
