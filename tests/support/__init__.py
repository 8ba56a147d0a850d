"""Helpers shared by the test suites: webhook events, the local stack, fixtures."""
