"""Creates the declared resources (peerless_infra.resources) in the emulator."""
from __future__ import annotations

import json

from peerless_infra.resources import RESOURCES, Resources


def provision(session, resources: Resources = RESOURCES) -> None:
    """Idempotent: what exists already is left as it is."""
    _queues(session.client("sqs"), resources)
    _table(session.client("dynamodb"), resources)
    _buckets(session.client("s3"), session.client("sqs"), resources)


def _queues(sqs, resources: Resources) -> None:
    for queue in resources.queues.values():
        dlq_url = sqs.create_queue(QueueName=queue.dead_letter_name,
                                   Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sqs.create_queue(QueueName=queue.name, Attributes={
            "VisibilityTimeout": str(queue.visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": queue.max_receive_count}),
        })


def _index(index, attributes: dict[str, str]) -> dict:
    attributes[index.hash_key] = "S"
    schema = [{"AttributeName": index.hash_key, "KeyType": "HASH"}]
    if index.range_key:
        attributes[index.range_key] = index.range_key_type
        schema.append({"AttributeName": index.range_key, "KeyType": "RANGE"})
    return {"IndexName": index.name, "KeySchema": schema,
            "Projection": {"ProjectionType": "ALL"}}


def _table(dynamodb, resources: Resources) -> None:
    table = resources.table
    if table.name in dynamodb.list_tables()["TableNames"]:
        _add_missing_indexes(dynamodb, resources)
        return
    attributes = {table.hash_key: "S", table.range_key: "S"}
    indexes = [_index(index, attributes) for index in table.indexes]
    dynamodb.create_table(
        TableName=table.name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": v}
                              for k, v in attributes.items()],
        KeySchema=[{"AttributeName": table.hash_key, "KeyType": "HASH"},
                   {"AttributeName": table.range_key, "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=indexes)
    dynamodb.update_time_to_live(TableName=table.name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": table.ttl_attribute})


def _add_missing_indexes(dynamodb, resources: Resources) -> None:
    """A data directory from an older version lacks the indexes added since."""
    table = resources.table
    existing = {i["IndexName"] for i in dynamodb.describe_table(TableName=table.name)[
        "Table"].get("GlobalSecondaryIndexes", [])}
    for index in table.indexes:
        if index.name not in existing:
            attributes: dict[str, str] = {}
            create = _index(index, attributes)
            dynamodb.update_table(
                TableName=table.name,
                AttributeDefinitions=[{"AttributeName": k, "AttributeType": v}
                                      for k, v in attributes.items()],
                GlobalSecondaryIndexUpdates=[{"Create": create}])


def _buckets(s3, sqs, resources: Resources) -> None:
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    for bucket in resources.buckets.values():
        if bucket.name not in existing:
            s3.create_bucket(Bucket=bucket.name)
        if bucket.browser_uploads:
            s3.put_bucket_cors(Bucket=bucket.name, CORSConfiguration={"CORSRules": [{
                "AllowedMethods": ["PUT"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3600}]})
        if bucket.notifications:
            configs = []
            for note in bucket.notifications:
                queue_name = resources.queues[note.queue].name
                url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"]["QueueArn"]
                configs.append({"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                "Filter": {"Key": {"FilterRules": [
                                    {"Name": "prefix", "Value": note.prefix}]}}})
            s3.put_bucket_notification_configuration(
                Bucket=bucket.name,
                NotificationConfiguration={"QueueConfigurations": configs})
