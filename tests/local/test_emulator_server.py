"""The local stack's emulator (moto's server with Peerless's changes), as a real process:
what its changes to moto must keep of AWS's behaviour."""
from __future__ import annotations

import http.client
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from peerless_local.emulator import Emulator

TABLE = "things"


@pytest.fixture(scope="module")
def emulator():
    running = Emulator().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def session():
    return boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                 region_name="us-east-1")


@pytest.fixture(scope="module")
def dynamodb(emulator, session):
    client = session.client("dynamodb", endpoint_url=emulator.url)
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])
    return client


def key(pk: str, sk: str = "-") -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(dynamodb, pk: str, sk: str = "-") -> dict | None:
    return dynamodb.get_item(TableName=TABLE, Key=key(pk, sk), ConsistentRead=True).get("Item")


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**key("count"), "n": {"N": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={**key("gone"), "n": {"N": "7"}})
    dynamodb.put_item(TableName=TABLE, Item={**key("taken"), "n": {"N": "0"}})
    bystander = {**key("bystander"), "n": {"N": "5"}}
    dynamodb.put_item(TableName=TABLE, Item=bystander)

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**key("new", "a"), "n": {"N": "1"}}}},
            {"Update": {"TableName": TABLE, "Key": key("count"),
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": TABLE, "Key": key("gone")}},
            {"Put": {"TableName": TABLE, "Item": {**key("taken"), "n": {"N": "1"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert get(dynamodb, "new", "a") is None
    assert get(dynamodb, "count")["n"] == {"N": "1"}
    assert get(dynamodb, "gone")["n"] == {"N": "7"}
    assert get(dynamodb, "taken")["n"] == {"N": "0"}
    assert get(dynamodb, "bystander") == bystander
    partition = dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                               ExpressionAttributeValues={":pk": {"S": "new"}})
    assert partition["Items"] == []


def test_a_transaction_that_holds_writes_all_its_items(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**key("counter"), "n": {"N": "1"}})
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {**key("fresh"), "n": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": TABLE, "Key": key("counter"),
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ])
    assert get(dynamodb, "fresh")["n"] == {"N": "1"}
    assert get(dynamodb, "counter")["n"] == {"N": "2"}


def test_a_scan_returns_items_as_they_were_written(dynamodb):
    item = {**key("scanned", "x"), "blob": {"B": b"\x00\xffbytes"}, "n": {"N": "2.5"},
            "big": {"N": "12345678901234567890"}, "tags": {"SS": ["a", "b"]},
            "nested": {"M": {"list": {"L": [{"S": "one"}, {"BOOL": True}, {"NULL": True}]}}}}
    dynamodb.put_item(TableName=TABLE, Item=item)
    scanned = [i for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE)
               for i in page["Items"] if i["pk"] == {"S": "scanned"}]
    assert scanned == [item]


def test_connections_are_kept_open(emulator, dynamodb):
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    sockets = set()
    for _ in range(3):
        connection.request("POST", "/", body=json.dumps({"TableName": TABLE}), headers={
            "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/"
                             "dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["Table"]["TableName"] == TABLE
        assert response.getheader("Connection", "").lower() != "close"
        sockets.add(id(connection.sock))
    connection.close()
    assert len(sockets) == 1


def test_queues_count_send_and_hand_out_their_messages(emulator, session):
    sqs = session.client("sqs", endpoint_url=emulator.url)
    url = sqs.create_queue(QueueName="work")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(n), "MessageBody": f"message {n}"} for n in range(5)])
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "5"
    assert counts["ApproximateNumberOfMessagesDelayed"] == "1"

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=60)["Messages"]
    assert sorted(m["Body"] for m in received) == [f"message {n}" for n in range(5)]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "5"


def test_a_fifo_queue_still_drops_a_duplicate_by_its_content(emulator, session):
    sqs = session.client("sqs", endpoint_url=emulator.url)
    url = sqs.create_queue(QueueName="ordered.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="once", MessageGroupId="g")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["once"]
