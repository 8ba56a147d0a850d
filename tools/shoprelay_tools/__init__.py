"""Developer and operator tools: the `shoprelay` command, local stack, sandboxes, benchmarks.

Nothing here is deployed; the Lambda functions use only the `shoprelay` package in the layer.
"""
