"""The stateful part of the stack, built from the shared declaration (resources.py)."""
from __future__ import annotations

import dataclasses

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .resources import Resources

DLQ_RETENTION = Duration.days(14)  # SQS's longest: time to look at what failed
ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


class Data(Construct):
    """Table, buckets and queues of `resources`, kept when the stack is destroyed unless
    `keep_data` is False. `self.resources` is the declaration with the physical names
    CloudFormation gives them (tokens), for `function_environment`."""

    def __init__(self, scope: Construct, id: str, *, resources: Resources, keep_data: bool,
                 browser_origin: str):
        super().__init__(scope, id)
        removal = RemovalPolicy.RETAIN if keep_data else RemovalPolicy.DESTROY
        self.table = self._table(resources, removal, keep_data)
        self.queues = {key: self._queue(q) for key, q in resources.queues.items()}
        self.dead_letter_queues = {key: q.dead_letter_queue.queue
                                   for key, q in self.queues.items()}
        self.buckets = {key: self._bucket(key, b, removal, keep_data, browser_origin)
                        for key, b in resources.buckets.items()}
        for key, declared in resources.buckets.items():
            for note in declared.notifications:
                self.buckets[key].add_event_notification(
                    s3.EventType.OBJECT_CREATED, s3n.SqsDestination(self.queues[note.queue]),
                    s3.NotificationKeyFilter(prefix=note.prefix))
        self.resources = dataclasses.replace(
            resources,
            buckets={key: dataclasses.replace(b, name=self.buckets[key].bucket_name)
                     for key, b in resources.buckets.items()})

    def _table(self, resources: Resources, removal: RemovalPolicy,
               keep_data: bool) -> dynamodb.Table:
        declared = resources.table
        string = dynamodb.AttributeType.STRING
        table = dynamodb.Table(
            self, "Table", table_name=declared.name,
            partition_key=dynamodb.Attribute(name=declared.hash_key, type=string),
            sort_key=dynamodb.Attribute(name=declared.range_key, type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            time_to_live_attribute=declared.ttl_attribute,
            deletion_protection=keep_data, removal_policy=removal)
        for index in declared.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.hash_key, type=string),
                sort_key=dynamodb.Attribute(
                    name=index.range_key, type=ATTRIBUTE_TYPES[index.range_key_type])
                if index.range_key else None,
                projection_type=dynamodb.ProjectionType.ALL)
        return table

    def _queue(self, declared) -> sqs.Queue:
        name = "".join(part.title() for part in declared.name.split("-"))
        dlq = sqs.Queue(self, f"{name}Dlq", queue_name=declared.dead_letter_name,
                        retention_period=DLQ_RETENTION,
                        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        return sqs.Queue(
            self, name, queue_name=declared.name,
            visibility_timeout=Duration.seconds(declared.visibility_timeout),
            max_message_size_bytes=declared.max_message_size,
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dlq, max_receive_count=declared.max_receive_count))

    def _bucket(self, key: str, declared, removal: RemovalPolicy, keep_data: bool,
                browser_origin: str) -> s3.Bucket:
        rules = [s3.LifecycleRule(id=f"expire-{e.prefix.strip('/')}", prefix=e.prefix,
                                  expiration=Duration.days(e.days))
                 for e in declared.expiries]
        if declared.abort_incomplete_uploads_days:
            rules.append(s3.LifecycleRule(
                id="abort-incomplete-uploads",
                abort_incomplete_multipart_upload_after=Duration.days(
                    declared.abort_incomplete_uploads_days)))
        cors = [s3.CorsRule(allowed_methods=[s3.HttpMethods.PUT],
                            allowed_origins=[browser_origin], allowed_headers=["*"],
                            exposed_headers=["ETag"], max_age=3600)
                ] if declared.browser_uploads else None
        stack = Stack.of(self)
        return s3.Bucket(
            self, f"{key.title()}Bucket",
            # Bucket names are global: the declared one, made unique per account and region.
            bucket_name=f"{declared.name}-{stack.account}-{stack.region}",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=rules or None, cors=cors, removal_policy=removal,
            auto_delete_objects=not keep_data)
