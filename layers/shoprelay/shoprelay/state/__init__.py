"""What shoprelay remembers in its DynamoDB table: deliveries, order memory, vendor effects.

One table, keyed by ``pk`` (what the record is about) and ``sk`` (which record), with the
``expires_at`` TTL attribute, so every kind of record cleans itself up.
"""

from shoprelay.state.table import StateTable

__all__ = ["StateTable"]
