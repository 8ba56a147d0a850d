"""Reading a whole dead-letter queue leaves it exactly as it was."""

from __future__ import annotations

from support.stack import LocalAws

from shoprelay_tools.stack.dlq import read_all


def test_reads_more_than_one_batch_and_leaves_every_message(local: LocalAws) -> None:
    sqs = local.clients["sqs"]
    url = local.stack.queues["EdroneDeadLetterQueue"]
    for index in range(25):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=f'{{"id": "e-{index}"}}',
            MessageAttributes={"reason": {"DataType": "String", "StringValue": f"reason {index}"}},
        )
    first = read_all(sqs, url)
    second = read_all(sqs, url)
    assert sorted(m["Body"] for m in first) == sorted(f'{{"id": "e-{i}"}}' for i in range(25))
    assert {m["MessageId"] for m in first} == {m["MessageId"] for m in second}
    assert all(m["MessageAttributes"]["reason"]["StringValue"].startswith("reason ") for m in first)
