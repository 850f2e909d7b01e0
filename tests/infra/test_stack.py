"""The synthesised template: what DESIGN section 5 and the deployment issue ask of it."""
import subprocess
import sys
from pathlib import Path

from peerless_infra import cdn
from peerless_infra.resources import RESOURCES, TRANSCODE_CONCURRENCY

from .conftest import resources_of

DATA_SERVICES = ("s3", "dynamodb", "sqs", "kms", "ssm")


def test_cfn_lint_finds_no_error(synth):
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable",
                             str(synth)], capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert not errors, "\n".join(errors)
    assert result.returncode in (0, 4, 8, 12), result.stdout + result.stderr  # warnings only


def test_every_bucket_is_private_and_encrypted(template):
    buckets = resources_of(template, "AWS::S3::Bucket")
    assert len(buckets) == len(RESOURCES.buckets) + 1  # and the site's
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}, name
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name


def test_every_queue_has_a_dead_letter_queue(template):
    queues = resources_of(template, "AWS::SQS::Queue")
    dlq_names = {q.dead_letter_name for q in RESOURCES.queues.values()}
    for name, queue in queues.items():
        props = queue["Properties"]
        if props["QueueName"] in dlq_names:
            continue
        assert props["RedrivePolicy"]["maxReceiveCount"] >= 1, name
    assert len(queues) == 2 * len(RESOURCES.queues)


def _actions(template):
    for name, policy in {**resources_of(template, "AWS::IAM::Policy"),
                         **resources_of(template, "AWS::IAM::Role")}.items():
        documents = [policy["Properties"]["PolicyDocument"]] if "PolicyDocument" in \
            policy["Properties"] else [p["PolicyDocument"] for p in
                                       policy["Properties"].get("Policies", [])]
        for document in documents:
            for statement in document["Statement"]:
                actions = statement["Action"]
                for action in [actions] if isinstance(actions, str) else actions:
                    yield name, action


def test_no_wildcard_action_on_data(template):
    actions = list(_actions(template))
    assert actions
    forbidden = {"*"} | {f"{service}:*" for service in DATA_SERVICES}
    assert not [(n, a) for n, a in actions if a in forbidden]
    # Our functions' own roles name every action on data in full.
    ours = [(n, a) for n, a in actions if n.startswith("Functions") and "Role" in n
            and "Provider" not in n and a.split(":")[0] in DATA_SERVICES]
    assert ours and not [(n, a) for n, a in ours if "*" in a]


def test_transcode_may_read_media_and_send_to_its_queue_and_delivery(template):
    statements = [s for name, p in resources_of(template, "AWS::IAM::Policy").items()
                  if name.startswith("FunctionsTranscodeRole")
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    text = str(statements)
    assert "s3:GetObject" in text
    sends = [s for s in statements if "sqs:SendMessage" in s["Action"]]
    targets = {s["Resource"]["Fn::GetAtt"][0] for s in sends}
    assert any("Transcode" in t for t in targets) and any("Delivery" in t for t in targets)


def test_table_keeps_its_data(template):
    (table,) = resources_of(template, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionPolicy"] == "Retain"


def test_cloudfront_uses_origin_access_control(template):
    assert resources_of(template, "AWS::CloudFront::OriginAccessControl")
    assert not resources_of(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    (distribution,) = resources_of(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert s3_origins and all(o["S3OriginConfig"]["OriginAccessIdentity"] == ""
                              and "OriginAccessControlId" in o for o in s3_origins)


def test_cdn_routes_what_the_api_serves(template):
    (distribution,) = resources_of(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    patterns = [b["PathPattern"] for b in config["CacheBehaviors"]]
    for needed in ("/api/*", "/.well-known/*", "/nodeinfo*", "/services/oembed*", "/inbox",
                   "/accounts/*/inbox", "/lazy-static/remote/*", "/w/*", "/videos/watch/*",
                   "/tracker/*", "/static/*"):
        assert needed in patterns, needed
    # First match wins: the specific before the general.
    assert patterns.index("/accounts/*/inbox") < patterns.index("/accounts/*")
    assert patterns.index("/lazy-static/remote/*") < patterns.index("/lazy-static/*")
    assert patterns.index("/static/streaming-playlists/*.m3u8") < patterns.index("/static/*")
    policies = resources_of(template, "AWS::CloudFront::CachePolicy")
    negotiated = [b for b in config["CacheBehaviors"] if b["PathPattern"] in cdn.NEGOTIATED_PATHS]
    assert len(negotiated) == len(cdn.NEGOTIATED_PATHS)
    for behavior in negotiated:
        policy = policies[behavior["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
        headers = policy["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]
        assert headers["Headers"] == ["Accept"]


def test_api_routes_are_all_covered_by_a_behavior():
    """Every address the api app serves outside /api/ reaches it through the CDN."""
    import fnmatch
    root = Path(__file__).resolve().parents[2] / "functions" / "api"
    probe = ("import sys, json; sys.path.insert(0, '.'); import app; "
             "print(json.dumps(sorted(app.app.routes)))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True,
                            text=True, timeout=120)
    import json
    routes = json.loads(result.stdout.splitlines()[-1])
    patterns = cdn.API_PATHS + cdn.NEGOTIATED_PATHS
    uncovered = [r for r in routes
                 if not any(fnmatch.fnmatch(r.replace("{", "x").replace("}", "x"), p)
                            for p in patterns)]
    assert not uncovered


def test_function_timeouts_are_below_their_queue_visibility(template):
    functions = resources_of(template, "AWS::Lambda::Function")
    queues = resources_of(template, "AWS::SQS::Queue")
    mappings = resources_of(template, "AWS::Lambda::EventSourceMapping").values()
    assert len(mappings) == len(RESOURCES.queues)
    for mapping in mappings:
        props = mapping["Properties"]
        function = functions[props["FunctionName"]["Ref"]]["Properties"]
        queue = queues[props["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        assert function["Timeout"] < queue["VisibilityTimeout"], props


def test_chunk_fan_out_is_bounded_by_the_concurrency_limit(template):
    functions = resources_of(template, "AWS::Lambda::Function")
    (transcode,) = [f["Properties"] for f in functions.values()
                    if "ImageUri" in f["Properties"]["Code"]]
    reserved = transcode["ReservedConcurrentExecutions"]
    assert reserved == TRANSCODE_CONCURRENCY
    (mapping,) = [m["Properties"] for m in
                  resources_of(template, "AWS::Lambda::EventSourceMapping").values()
                  if "ScalingConfig" in m["Properties"]]
    # The queue never hands out more chunks at once than may run: none is throttled back.
    assert 2 <= mapping["ScalingConfig"]["MaximumConcurrency"] <= reserved
    assert mapping["BatchSize"] == 1


def test_no_hourly_networking(template):
    assert not resources_of(template, "AWS::EC2::NatGateway")
    assert not resources_of(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert not resources_of(template, "AWS::ElasticLoadBalancing::LoadBalancer")
    (service,) = resources_of(template, "AWS::ECS::Service").values()
    network = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "ENABLED"
    strategy = service["Properties"]["CapacityProviderStrategy"]
    assert [s["CapacityProvider"] for s in strategy] == ["FARGATE_SPOT"]
    (task,) = resources_of(template, "AWS::ECS::TaskDefinition").values()
    assert (task["Properties"]["Cpu"], task["Properties"]["Memory"]) == ("256", "512")


def test_seeder_is_reachable_for_rtmp_and_the_tracker(template):
    (task,) = resources_of(template, "AWS::ECS::TaskDefinition").values()
    (container,) = task["Properties"]["ContainerDefinitions"]
    ports = {(p["ContainerPort"], p["Protocol"]) for p in container["PortMappings"]}
    assert {(1935, "tcp"), (8000, "tcp"), (6881, "tcp"), (6881, "udp")} <= ports
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["PEERLESS_RTMP_PORT"] == "1935"
    rules = [r for g in resources_of(template, "AWS::EC2::SecurityGroup").values()
             for r in g["Properties"].get("SecurityGroupIngress", [])]
    assert any(r["FromPort"] == 1935 and r["IpProtocol"] == "tcp" for r in rules)
    # The address follows the task: a rule on its state changes rewrites the DNS record.
    rules = resources_of(template, "AWS::Events::Rule").values()
    assert any(r["Properties"].get("EventPattern", {}).get("detail-type") ==
               ["ECS Task State Change"] for r in rules)


def test_the_live_ingest_may_keep_lives_and_streamers_are_told_where(template):
    """The seeder's task runs the live ingest: the table, live segments in the media
    bucket, recordings in the uploads bucket, announcements on the delivery queue; and the
    api tells streamers the seeder's RTMP address."""
    (task,) = resources_of(template, "AWS::ECS::TaskDefinition").values()
    role = task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
    statements = [s for p in resources_of(template, "AWS::IAM::Policy").values()
                  if {"Ref": role} in p["Properties"]["Roles"]
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    text = str(statements)
    for action in ("dynamodb:UpdateItem", "s3:PutObject", "s3:DeleteObject",
                   "sqs:SendMessage"):
        assert action in text, action
    buckets = {str(r) for s in statements if "s3:PutObject" in s["Action"]
               for r in s["Resource"]}
    assert any("Uploads" in b for b in buckets) and any("Media" in b for b in buckets)
    environments = [f["Properties"].get("Environment", {}).get("Variables", {})
                    for f in resources_of(template, "AWS::Lambda::Function").values()]
    assert "rtmp://seeder.videos.example.org:1935/live" in {
        e.get("PEERLESS_RTMP_URL") for e in environments}


def test_alarms_watch_dead_letters_and_errors(template):
    alarms = [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()]
    metrics = [a["MetricName"] for a in alarms]
    assert metrics.count("ApproximateNumberOfMessagesVisible") == len(RESOURCES.queues)
    assert metrics.count("Errors") >= 6


def scheduled_handlers(template) -> dict[str, str]:
    """The handler of each scheduled function, and its schedule."""
    functions = resources_of(template, "AWS::Lambda::Function")
    return {functions[r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]]["Properties"][
        "Handler"]: r["Properties"]["ScheduleExpression"]
        for r in resources_of(template, "AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]}


def test_redundancy_runs_on_a_schedule(template):
    assert scheduled_handlers(template)["app.refresh_redundancy"] == "rate(30 minutes)"


def policies_of(template, role_id: str) -> list[dict]:
    return [s for p in resources_of(template, "AWS::IAM::Policy").values()
            if {"Ref": role_id} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]]


def test_the_seeder_is_parked_and_runs_on_demand(template):
    """desiredCount 0; the api (which starts it) and the park schedule may drive that one
    service, and nothing else may; the api knows its name."""
    ((service_id, service),) = resources_of(template, "AWS::ECS::Service").items()
    assert service["Properties"]["DesiredCount"] == 0
    assert scheduled_handlers(template)["peerless.seeder_demand.handler"] == \
        "rate(10 minutes)"
    functions = [*resources_of(template, "AWS::Lambda::Function").values(),
                 *resources_of(template, "AWS::Serverless::Function").values()]
    (api,) = [f for f in functions if f["Properties"].get("Handler") == "app.app"
              and "ApiRole" in str(f["Properties"]["Role"])]
    (park,) = [f for f in functions
               if f["Properties"].get("Handler") == "peerless.seeder_demand.handler"]
    drivers = set()
    for function in (api, park):
        named = function["Properties"]["Environment"]["Variables"]["PEERLESS_SEEDER_SERVICE"]
        assert named["Fn::Join"][1][1] == {"Fn::GetAtt": [service_id, "Name"]}
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        (ecs,) = [s for s in policies_of(template, role) if "ecs:UpdateService" in s["Action"]]
        assert sorted(ecs["Action"]) == ["ecs:DescribeServices", "ecs:UpdateService"]
        assert ecs["Resource"] == {"Ref": service_id}
        drivers.add(role)
    assert len(drivers) == 2
    others = [s for p in resources_of(template, "AWS::IAM::Policy").values()
              if not drivers & {r["Ref"] for r in p["Properties"]["Roles"]}
              for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert not [s for s in others if "ecs:UpdateService" in str(s["Action"])]


def test_logs_are_kept_for_a_bounded_time(template):
    groups = resources_of(template, "AWS::Logs::LogGroup").values()
    assert len(groups) >= 8
    assert all(g["Properties"]["RetentionInDays"] == 30 for g in groups)


def test_uploads_lifecycle(template):
    buckets = [b["Properties"] for b in resources_of(template, "AWS::S3::Bucket").values()]
    (uploads,) = [b for b in buckets if "peerless-uploads" in str(b.get("BucketName"))]
    rules = uploads["LifecycleConfiguration"]["Rules"]
    assert any(r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 3
               for r in rules)
    assert any(r.get("Prefix") == "work/" and r.get("ExpirationInDays") == 7 for r in rules)


def test_synthesis_leaves_this_process_as_it_found_it(synth):
    """Chalice's packaging sets the deployed functions' environment in the process that
    synthesises: a test session, and the local stacks it starts, would run with the
    template's KMS key store and tokens for names."""
    import os
    assert "PEERLESS_KMS_KEY_ID" not in os.environ
    assert not [k for k, v in os.environ.items() if "${Token[" in v]
    from peerless.settings import settings
    assert settings().key_store == os.environ.get("PEERLESS_KEY_STORE", "local")
