"""The functions: the api and inbox Chalice apps, the queue workers, the transcoder, the
redundancy and seeder-parking schedules and the first-run setup; one role each, granted
only what it uses."""
from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, Fn, IgnoreMode, Size, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from chalice.cdk import Chalice
from constructs import Construct

from . import chalice_apps
from .data import Data
from .first_run import ADMIN_PASSWORD_PARAMETER
from .resources import TRANSCODE_CONCURRENCY, TRANSCODE_TIMEOUT, function_environment

RUNTIME = lambda_.Runtime.PYTHON_3_11
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
API_STAGE = "peerless"
# Where the api function finds the web app's index.html (Chalice's vendor/ is /var/task).
SITE_INDEX = "/var/task/site-index.html"

# What each function may touch: "table", a bucket key, "send:<queue key>", "keys" (the
# KMS key sealing actors' keys), "admin-password". Consuming its own queue is granted by
# its event source.
ACCESS = {
    "api": ("table", "uploads", "media", "send:transcode", "send:delivery", "keys"),
    "inbox": ("table", "send:inbox", "send:delivery", "keys"),
    "inbox-worker": ("table", "media", "send:delivery", "keys"),
    "delivery": ("table", "send:delivery", "keys"),
    "redundancy": ("table", "media", "send:delivery", "keys"),
    # Chunked encodes: its own queue gets one message per (pass, chunk); the chunks live
    # in the uploads bucket's work/ prefix; a retranscode reads the media bucket.
    "transcode": ("table", "uploads", "media", "send:transcode", "send:delivery", "keys"),
    "first-run": ("table", "keys", "admin-password"),
}
# The seeder's Fargate task: the seeder reads media; its live ingest keeps lives in the
# table, writes live segments to the media bucket, recordings to the uploads bucket, and
# announces lives starting and ending (deliveries are signed by the delivery worker).
SEEDER_ACCESS = ("table", "uploads", "media", "send:delivery")
# The schedule that parks the idle seeder reads the demand and the lives; it and the api
# also drive the seeder's ECS service (granted with the service, run_on_demand).
SEEDER_PARK_ACCESS = ("table",)
SEEDER_PARK_EVERY = Duration.minutes(10)
SEEDER_ACTIONS = ["ecs:UpdateService", "ecs:DescribeServices"]
TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
                 "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem",
                 "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                 "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"]
OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                  "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
SEND_ACTIONS = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]


class Functions(Construct):
    def __init__(self, scope: Construct, id: str, *, data: Data, public_url: str,
                 layer_dir: Path, build_dir: Path, site_dir: Path,
                 extra_environment: dict[str, str]):
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.data = data
        self.actor_keys = kms.Key(self, "ActorKeys", enable_key_rotation=True,
                                  description="Seals the private keys of Peerless actors")
        self.admin_parameter_arn = stack.format_arn(
            service="ssm", resource="parameter", resource_name=ADMIN_PASSWORD_PARAMETER[1:])
        self.environment = {
            **function_environment(data.resources),
            "PEERLESS_PUBLIC_URL": public_url, "PEERLESS_MEDIA_URL": public_url,
            "PEERLESS_KEY_STORE": "kms", "PEERLESS_KMS_KEY_ID": self.actor_keys.key_arn,
            "PEERLESS_SITE_INDEX": SITE_INDEX, **extra_environment}
        self.layer = lambda_.LayerVersion(
            self, "Dependencies", code=lambda_.Code.from_asset(str(layer_dir)),
            compatible_runtimes=[RUNTIME],
            description="Peerless's third-party Python dependencies (pyproject.toml)")
        self.roles = {name: self._role(name) for name in ACCESS}
        self.functions: dict[str, str] = {}  # name -> function name (for alarms)

        self.api = self._chalice("api", build_dir, site_dir, timeout=29, memory=1024)
        self.inbox = self._chalice("inbox", build_dir, site_dir, timeout=10, memory=512)
        code = self._chalice_code(self.inbox)
        self._worker("inbox-worker", code, "app.handle_inbox", "inbox", batch_size=5)
        self._worker("delivery", code, "app.handle_delivery", "delivery", batch_size=10)
        redundancy = self._function("redundancy", code, "app.refresh_redundancy",
                                    timeout=300)
        events.Rule(self, "RedundancySchedule", schedule=events.Schedule.rate(
            Duration.minutes(30)), targets=[targets.LambdaFunction(redundancy)])
        self._transcode()
        first_run = self._function("first-run", self._chalice_code(self.api),
                                   "peerless_infra.first_run.handler", timeout=60)
        CustomResource(self, "FirstRunSetup", service_token=cr.Provider(
            self, "FirstRunProvider", on_event_handler=first_run).service_token)

    # --- permissions --------------------------------------------------------------------

    def _role(self, name: str, needs: tuple[str, ...] | None = None) -> iam.Role:
        role = iam.Role(self, f"{_camel(name)}Role",
                        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                            "service-role/AWSLambdaBasicExecutionRole")])
        for statement in self.statements(ACCESS[name] if needs is None else needs):
            role.add_to_policy(statement)
        return role

    def statements(self, needs: tuple[str, ...]) -> list[iam.PolicyStatement]:
        """What `needs` (see ACCESS) grants, for a function's role or the seeder's task."""
        return [self._statement(need) for need in needs]

    def _statement(self, need: str) -> iam.PolicyStatement:
        data = self.data
        if need == "table":
            arn = data.table.table_arn
            return iam.PolicyStatement(actions=TABLE_ACTIONS, resources=[arn, f"{arn}/index/*"])
        if need in data.buckets:
            bucket = data.buckets[need]
            return iam.PolicyStatement(actions=OBJECT_ACTIONS + ["s3:ListBucket"],
                                       resources=[bucket.bucket_arn, bucket.arn_for_objects("*")])
        if need.startswith("send:"):
            return iam.PolicyStatement(actions=SEND_ACTIONS,
                                       resources=[data.queues[need[5:]].queue_arn])
        if need == "keys":
            # Only data keys bound to an actor (peerless.federation.keys).
            return iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.actor_keys.key_arn],
                conditions={"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["actor"]},
                            "Null": {"kms:EncryptionContextKeys": "false"}})
        if need == "admin-password":
            return iam.PolicyStatement(actions=["ssm:PutParameter"],
                                       resources=[self.admin_parameter_arn])
        raise ValueError(f"unknown access {need!r}")

    # --- the seeder on demand ------------------------------------------------------------

    def run_on_demand(self, service: ecs.FargateService) -> None:
        """The api starts the parked seeder `service` when someone watches or is about to
        stream, a schedule parks it when idle (peerless.seeder_demand); both may drive
        that one service."""
        named = Fn.join("/", [service.cluster.cluster_name, service.service_name])
        may_drive = iam.PolicyStatement(actions=SEEDER_ACTIONS,
                                        resources=[service.service_arn])
        # The api's function exists already (the seeder's task takes this environment
        # from it, so it is named here, on the api alone).
        self.api.add_environment_variable("PEERLESS_SEEDER_SERVICE", named, "APIHandler")
        self.roles["api"].add_to_policy(may_drive)
        self.roles["seeder-park"] = self._role("seeder-park", SEEDER_PARK_ACCESS)
        self.roles["seeder-park"].add_to_policy(may_drive)
        park = self._function("seeder-park", self._chalice_code(self.api),
                              "peerless.seeder_demand.handler", timeout=60,
                              environment={**self.environment,
                                           "PEERLESS_SEEDER_SERVICE": named})
        events.Rule(self, "SeederParkSchedule", schedule=events.Schedule.rate(
            SEEDER_PARK_EVERY), targets=[targets.LambdaFunction(park)])

    # --- functions ----------------------------------------------------------------------

    def _chalice(self, name: str, build_dir: Path, site_dir: Path, *, timeout: int,
                 memory: int) -> Chalice:
        project = chalice_apps.stage(name, build_dir, site_dir / "index.html")
        with chalice_apps.packaging(build_dir, Stack.of(self).region):
            app = Chalice(self, f"{_camel(name)}App", source_dir=str(project),
                          preserve_logical_ids=False, stage_config={
                              "api_gateway_stage": API_STAGE,
                              # Behind our own CloudFront: no second, edge-optimised one.
                              "api_gateway_endpoint_type": "REGIONAL",
                              "manage_iam_role": False,
                              "iam_role_arn": self.roles[name].role_arn,
                              "environment_variables": self.environment,
                              "lambda_timeout": timeout, "lambda_memory_size": memory,
                              "layers": [self.layer.layer_version_arn]})
        function_name = app.get_resource("APIHandler").ref
        # Chalice's own log_retention_in_days names its handler wrongly in the log group
        # (${ApiHandler}, not APIHandler): the group is made here instead.
        logs.LogGroup(self, f"{_camel(name)}Logs", retention=LOG_RETENTION,
                      log_group_name=Fn.join("", ["/aws/lambda/", function_name]))
        self.functions[name] = function_name
        return app

    def _chalice_code(self, app: Chalice) -> lambda_.Code:
        """The app's deployment package, for the handlers Chalice does not route."""
        package = app.node.find_child("ChaliceAppCode")
        return lambda_.Code.from_bucket(package.bucket, package.s3_object_key)

    def _function(self, name: str, code: lambda_.Code, handler: str, *, timeout: int,
                  environment: dict[str, str] | None = None) -> lambda_.Function:
        function = lambda_.Function(
            self, _camel(name), runtime=RUNTIME, code=code, handler=handler,
            layers=[self.layer], role=self.roles[name],
            environment=self.environment if environment is None else environment,
            timeout=Duration.seconds(timeout), memory_size=512,
            log_group=logs.LogGroup(self, f"{_camel(name)}Logs", retention=LOG_RETENTION))
        self.functions[name] = function.function_name
        return function

    def _worker(self, name: str, code: lambda_.Code, handler: str, queue: str, *,
                batch_size: int) -> None:
        declared = self.data.resources.queues[queue]
        function = self._function(name, code, handler,
                                  timeout=declared.visibility_timeout - 60)
        function.add_event_source(sources.SqsEventSource(
            self.data.queues[queue], batch_size=batch_size))

    def _transcode(self) -> None:
        name = "transcode"
        image = lambda_.DockerImageCode.from_image_asset(
            str(chalice_apps.ROOT), file="functions/transcode/Dockerfile",
            platform=ecr_assets.Platform.LINUX_AMD64, **docker_context())
        function = lambda_.DockerImageFunction(
            self, "Transcode", code=image, role=self.roles[name],
            environment=self.environment, timeout=Duration.seconds(TRANSCODE_TIMEOUT),
            # 2 vCPUs (Lambda gives CPU in proportion to memory): ffmpeg's threads use both.
            memory_size=3538, ephemeral_storage_size=Size.gibibytes(10),
            reserved_concurrent_executions=TRANSCODE_CONCURRENCY,
            log_group=logs.LogGroup(self, "TranscodeLogs", retention=LOG_RETENTION))
        function.add_event_source(sources.SqsEventSource(
            self.data.queues[name], batch_size=1, max_concurrency=TRANSCODE_CONCURRENCY))
        self.functions[name] = function.function_name

    def rest_api_domain(self, app: Chalice) -> str:
        stack = Stack.of(self)
        return Fn.join("", [app.get_resource("RestAPI").ref, ".execute-api.", stack.region,
                            ".", stack.url_suffix])


def docker_context() -> dict:
    """Image assets are built from the repository root; only what the Dockerfiles COPY is
    hashed (and sent to Docker), so synth stays fast and needs no Docker engine."""
    return {"ignore_mode": IgnoreMode.DOCKER,
            "exclude": ["*", "!pyproject.toml", "!README.md", "!LICENSE", "!functions",
                        "!infra", "!local", "infra/cdk.out", "infra/build",
                        "infra/node_modules", "**/__pycache__"]}


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("-"))
