"""The local stack (moto, local/peerless_local/provision.py) and the AWS stack (the
template) make the same table, buckets, notifications and queues from resources.py."""
import json

import boto3
from moto import mock_aws

from peerless_infra.resources import RESOURCES
from peerless_local.provision import provision

from .conftest import resources_of


def _local():
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                        region_name="us-east-1")
        provision(session)
        table = session.client("dynamodb").describe_table(TableName=RESOURCES.table.name)["Table"]
        ttl = session.client("dynamodb").describe_time_to_live(
            TableName=RESOURCES.table.name)["TimeToLiveDescription"]
        sqs = session.client("sqs")
        queues = {}
        for url in sqs.list_queues()["QueueUrls"]:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                "Attributes"]
            redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
            queues[url.rsplit("/", 1)[1]] = (int(attributes["VisibilityTimeout"]),
                                             redrive.get("maxReceiveCount"))
        s3 = session.client("s3")
        notes = {}
        for bucket in s3.list_buckets()["Buckets"]:
            config = s3.get_bucket_notification_configuration(Bucket=bucket["Name"])
            notes[bucket["Name"]] = sorted(
                (c["QueueArn"].rsplit(":", 1)[1], c["Filter"]["Key"]["FilterRules"][0]["Value"])
                for c in config.get("QueueConfigurations", []))
    return table, ttl, queues, notes


def test_same_table(template):
    local, ttl, _, _ = _local()
    (aws,) = [t["Properties"] for t in resources_of(template, "AWS::DynamoDB::Table").values()]
    assert aws["TableName"] == local["TableName"]
    assert aws["KeySchema"] == local["KeySchema"]
    assert sorted(aws["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        local["AttributeDefinitions"], key=lambda a: a["AttributeName"])

    def indexes(declared):
        return {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
                for i in declared}
    assert indexes(aws["GlobalSecondaryIndexes"]) == indexes(local["GlobalSecondaryIndexes"])
    assert aws["TimeToLiveSpecification"]["AttributeName"] == ttl["AttributeName"]


def test_same_queues(template):
    _, _, local, _ = _local()
    queues = resources_of(template, "AWS::SQS::Queue")
    aws = {}
    for queue in queues.values():
        props = queue["Properties"]
        aws[props["QueueName"]] = (props.get("VisibilityTimeout", 30),
                                   props.get("RedrivePolicy", {}).get("maxReceiveCount"))
    # SQS's default visibility for the dead-letter queues, which nobody consumes.
    assert {k: v for k, v in aws.items()} == {k: (v if not k.endswith("-dlq") else (30, None))
                                              for k, v in local.items()}


def test_same_buckets_and_notifications(template):
    _, _, queues, local = _local()
    buckets = resources_of(template, "AWS::S3::Bucket")
    notifications = [n["Properties"]["NotificationConfiguration"] for n in
                     resources_of(template, "Custom::S3BucketNotifications").values()]
    queue_names = {k: v["Properties"]["QueueName"] for k, v in
                   resources_of(template, "AWS::SQS::Queue").items()}
    aws = {}
    for logical, bucket in buckets.items():
        name = bucket["Properties"].get("BucketName")
        if not name:
            continue  # the site's, which the local stack serves from disk
        aws[_declared(name)] = []
    for config, resource in zip(notifications, resources_of(
            template, "Custom::S3BucketNotifications").values()):
        bucket_logical = resource["Properties"]["BucketName"]["Ref"]
        aws[_declared(buckets[bucket_logical]["Properties"]["BucketName"])] = sorted(
            (queue_names[c["QueueArn"]["Fn::GetAtt"][0]],
             c["Filter"]["Key"]["FilterRules"][0]["Value"])
            for c in config.get("QueueConfigurations", []))
    assert aws == local


def _declared(physical) -> str:
    """The declared name in `<declared>-<account>-<region>` (a Fn::Join)."""
    first = physical["Fn::Join"][1][0]
    assert first.endswith("-")
    return first[:-1]
