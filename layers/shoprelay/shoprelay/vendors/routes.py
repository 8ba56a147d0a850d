"""Kinds of event a vendor skips whatever they hold, and why: the ingress does not route them.

Rendered from each vendor's translator (``Translator.reason_to_skip_kind``) by ``make wiring``;
do not edit. A unit test renders it again and fails on any drift.
"""

SKIPPED_KINDS: dict[str, dict[str, str]] = {
    "corvidae": {
        "order_fulfilled": "fulfilment is not a transaction; Corvidae got the sale when it was placed",
        "order_cancelled": "Corvidae's ingress pixel has no way to cancel a transaction",
        "order_refunded": "Corvidae's ingress pixel has no way to record a refund",
        "order_updated": "Corvidae gets one transaction per order, when placed or paid, not its edits",
        "checkout_updated": "Corvidae takes transactions only, not checkouts",
        "customer_updated": "Corvidae takes transactions only, not customer changes",
    },
    "edrone": {
        "order_updated": "edrone has no order update action; the paid, fulfilled and cancelled topics carry status",
        "checkout_updated": "edrone has no server-side cart action; its browser tag tracks carts",
    },
    "esputnik": {
        "customer_updated": "eSputnik gets contacts with their orders and carts, not on customer updates alone",
    },
    "mytracker": {
        "order_fulfilled": "fulfilment does not change a MyTracker order (it knows ADD, PAY, CANCEL and REFUND)",
        "order_updated": "order edits are not sent: MyTracker hears of placement, payment, cancellation, refunds",
        "checkout_updated": "a checkout is not an order yet; MyTracker gets the order when it is placed",
        "customer_updated": "customer changes carry no order for MyTracker",
    },
    "tracify": {
        "order_fulfilled": "Tracify has no fulfilment event; the purchase was reported when the order was placed",
        "order_cancelled": "Tracify cannot express cancellations: a reported purchase is never updated",
        "order_refunded": "Tracify cannot express refunds: a reported purchase is never updated",
        "order_updated": "Tracify cannot express order changes: a reported purchase is never updated",
        "checkout_updated": "unfinished checkouts are not sent to Tracify, only purchases",
        "customer_updated": "Tracify has no customer or consent events",
    },
}
