"""``shoprelay local``: the stack from template.yaml on this machine, without Docker or AWS."""

from shoprelay_tools.local.runner import LocalStack

__all__ = ["LocalStack"]
