"""Vendor delivery: one SQS record → translation → vendor call(s) → one outcome."""
