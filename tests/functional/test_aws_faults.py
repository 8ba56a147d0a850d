"""The AWS fault proxy, with real boto3 clients in front of it and moto's server behind it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from shoprelay_tools.stack.aws_faults import AwsFaultProxy, recognise

ONE_ATTEMPT = Config(connect_timeout=5, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 1})
IMPATIENT = Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 1})
TABLE = "faults"


@pytest.fixture
def proxy(aws: str) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(aws, seed=3) as running:
        yield running


def client(proxy: AwsFaultProxy, service: str, config: Config = ONE_ATTEMPT) -> Any:
    return boto3.client(service, endpoint_url=proxy.url, region_name="us-east-1", config=config)  # type: ignore[call-overload]


@pytest.fixture
def dynamodb(proxy: AwsFaultProxy) -> Any:
    ddb = client(proxy, "dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    proxy.forget_calls()
    return ddb


def put(ddb: Any, key: str = "a") -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": key}})


def error_code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return error.value.response["Error"]["Code"], error.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_unmatched_calls_are_forwarded_and_recorded_with_service_and_operation(
    proxy: AwsFaultProxy, dynamodb: Any
) -> None:
    put(dynamodb)
    ssm = client(proxy, "ssm")
    ssm.put_parameter(Name="/p", Value="v", Type="String")
    sns = client(proxy, "sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sqs = client(proxy, "sqs")
    sqs.create_queue(QueueName="q")
    # the answers are moto's, unchanged
    assert dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    assert ssm.get_parameter(Name="/p")["Parameter"]["Value"] == "v"
    assert topic.endswith(":t")
    seen = [(c.service, c.operation, c.fault, c.status) for c in proxy.calls]
    assert seen == [
        ("dynamodb", "PutItem", None, 200),
        ("ssm", "PutParameter", None, 200),
        ("sns", "CreateTopic", None, 200),
        ("sqs", "CreateQueue", None, 200),
        ("dynamodb", "GetItem", None, 200),
        ("ssm", "GetParameter", None, 200),
    ]


@pytest.mark.parametrize(
    ("service", "code", "expected"),
    [
        pytest.param("dynamodb", None, "ThrottlingException", id="dynamodb"),
        pytest.param(
            "dynamodb",
            "ProvisionedThroughputExceededException",
            "ProvisionedThroughputExceededException",
            id="dynamodb-provisioned",
        ),
        pytest.param("ssm", None, "ThrottlingException", id="ssm"),
        pytest.param("sns", None, "Throttling", id="sns"),
    ],
)
def test_throttling_is_the_services_own_error_for_the_next_n_calls(
    proxy: AwsFaultProxy, service: str, code: str | None, expected: str
) -> None:
    calls = {
        "dynamodb": lambda c: c.list_tables(),
        "ssm": lambda c: c.describe_parameters(),
        "sns": lambda c: c.list_topics(),
    }[service]
    aws = client(proxy, service)
    rule = proxy.throttle(service, code=code, times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            calls(aws)
        assert error_code(raised) == (expected, 400)
    calls(aws)  # the third goes through
    assert rule.hits == 2
    assert [c.fault for c in proxy.calls_to(service)] == ["throttle", "throttle", None]


def test_botocore_retries_an_injected_throttle_as_throttling(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    retrying = client(proxy, "dynamodb", Config(retries={"mode": "standard", "total_max_attempts": 2}))
    proxy.throttle("dynamodb", "PutItem")
    put(retrying)
    assert [c.fault for c in proxy.calls_to("dynamodb", "PutItem")] == ["throttle", None]


@pytest.mark.parametrize(
    ("service", "status", "expected"),
    [
        ("dynamodb", 500, "InternalServerError"),
        ("ssm", 500, "InternalServerError"),
        ("sns", 500, "InternalError"),
        ("sns", 503, "ServiceUnavailable"),
    ],
)
def test_server_errors_carry_the_services_error_body(
    proxy: AwsFaultProxy, service: str, status: int, expected: str
) -> None:
    aws = client(proxy, service)
    operation = {"dynamodb": "ListTables", "ssm": "DescribeParameters", "sns": "ListTopics"}[service]
    proxy.fail(service, operation, status=status)
    with pytest.raises(ClientError) as raised:
        getattr(
            aws,
            {"ListTables": "list_tables", "DescribeParameters": "describe_parameters"}.get(operation, "list_topics"),
        )()
    assert error_code(raised) == (expected, status)


def test_a_rule_for_one_operation_leaves_the_others_alone(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    proxy.fail("dynamodb", "GetItem", times=None)
    put(dynamodb)
    with pytest.raises(ClientError):
        dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})
    assert [(c.operation, c.fault) for c in proxy.calls] == [("PutItem", None), ("GetItem", "error")]


def test_skip_lets_the_first_matching_calls_through(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    proxy.fail("dynamodb", "PutItem", skip=1)
    put(dynamodb, "first")
    with pytest.raises(ClientError):
        put(dynamodb, "second")
    put(dynamodb, "third")
    assert [c.fault for c in proxy.calls] == [None, "error", None]


def test_a_silent_hang_ends_in_the_clients_read_timeout_and_has_no_effect(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    proxy.hang("dynamodb", "PutItem", seconds=5)
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        put(client(proxy, "dynamodb", IMPATIENT))
    assert 0.9 < time.monotonic() - started < 3
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})


def test_a_hang_until_release_then_drops_the_connection(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    patient = client(proxy, "dynamodb", Config(read_timeout=30, retries={"total_max_attempts": 1}))
    proxy.hang("dynamodb", "PutItem")
    failures: list[BaseException] = []

    def call() -> None:
        try:
            put(patient)
        except Exception as error:
            failures.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    (held,) = proxy.wait_for("dynamodb", "PutItem")
    time.sleep(0.5)
    assert worker.is_alive()
    assert (held.status, held.finished) == (None, None)
    proxy.release()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [type(f) for f in failures] == [ConnectionClosedError]
    assert held.finished is not None
    assert held.status is None


def test_a_forwarded_hang_makes_the_effect_but_loses_the_answer(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    proxy.hang("dynamodb", "PutItem", seconds=0.2, forward_first=True)
    with pytest.raises(ConnectionClosedError):
        put(dynamodb)
    assert "Item" in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "a"}})


def test_a_trickling_answer_outlasts_any_read_timeout(proxy: AwsFaultProxy, dynamodb: Any) -> None:
    proxy.hang("dynamodb", "PutItem", seconds=2.5, trickle=True)
    started = time.monotonic()
    with pytest.raises(ConnectionClosedError):  # the cut-off body is not taken for an answer
        put(client(proxy, "dynamodb", IMPATIENT))  # read timeout 1 s, yet the call lasts until the proxy lets go
    assert time.monotonic() - started >= 2.4


def test_probability_is_drawn_from_the_seed(aws: str) -> None:
    def pattern(seed: int) -> list[bool]:
        with AwsFaultProxy(aws, seed=seed) as proxy:
            sns = client(proxy, "sns")
            proxy.fail("sns", "ListTopics", times=None, probability=0.5)
            outcomes = []
            for _ in range(20):
                try:
                    sns.list_topics()
                    outcomes.append(True)
                except ClientError:
                    outcomes.append(False)
            return outcomes

    first = pattern(11)
    assert first == pattern(11)
    assert 3 <= first.count(False) <= 17
    assert first != pattern(12)


def test_clear_removes_every_rule(proxy: AwsFaultProxy) -> None:
    sns = client(proxy, "sns")
    proxy.fail("sns", times=None)
    proxy.clear()
    sns.list_topics()
    assert proxy.calls_to("sns")[0].fault is None


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (
            {"X-Amz-Target": "DynamoDB_20120810.TransactWriteItems", "Authorization": ""},
            b"{}",
            ("dynamodb", "TransactWriteItems"),
        ),
        ({"X-Amz-Target": "AmazonSSM.GetParametersByPath"}, b"{}", ("ssm", "GetParametersByPath")),
        (
            {
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, Signed",
            },
            b"Action=Publish&Version=2010-03-31",
            ("sns", "Publish"),
        ),
    ],
)
def test_recognise(headers: dict[str, str], body: bytes, expected: tuple[str, str]) -> None:
    assert recognise("POST", "/", headers, body) == expected


S3_SCOPE = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, Signed"}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("PUT", "/bucket", "CreateBucket"),
        ("PUT", "/bucket/events/e.json", "PutObject"),
        ("GET", "/bucket/events/e.json?x-id=GetObject", "GetObject"),
        ("GET", "/bucket?list-type=2", "ListObjects"),
    ],
)
def test_recognise_rest_calls_by_method_and_path(method: str, path: str, expected: str) -> None:
    assert recognise(method, path, S3_SCOPE, b"") == ("s3", expected)


def test_s3_objects_pass_through_and_s3_throttles_with_slow_down(proxy: AwsFaultProxy) -> None:
    s3 = client(proxy, "s3")
    s3.create_bucket(Bucket="payloads")
    s3.put_object(Bucket="payloads", Key="events/e.json", Body=b"x" * 300_000)
    assert len(s3.get_object(Bucket="payloads", Key="events/e.json")["Body"].read()) == 300_000
    proxy.throttle("s3", "PutObject")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="payloads", Key="events/f.json", Body=b"y")
    assert error_code(raised) == ("SlowDown", 503)
    assert [c.operation for c in proxy.calls_to("s3")] == ["CreateBucket", "PutObject", "GetObject", "PutObject"]
