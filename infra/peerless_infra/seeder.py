"""The seeder: one small Fargate task in a public subnet (no NAT gateway, no load balancer),
running only while wanted: its service is parked (desiredCount 0) and the api starts it on
demand, a schedule parks it again (peerless.seeder_demand, Functions.run_on_demand).

Its public address changes when the task is replaced, so a rule on ECS's task state
changes runs a small function that points `seeder.<domain>` at the new address: CloudFront
reaches the tracker there (WebSockets through the CDN, so wss:// needs no certificate on
the task), RTMP encoders and BitTorrent clients reach it directly.
"""
from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from constructs import Construct

from .chalice_apps import ROOT
from .functions import LOG_RETENTION, docker_context

TRACKER_PORT = 8000
TORRENT_PORT = 6881
RTMP_PORT = 1935
# CloudFront's origin-facing addresses in us-east-1 (the managed prefix list
# com.amazonaws.global.cloudfront.origin-facing): only CloudFront reaches the tracker port,
# so the tracker may trust its X-Forwarded-For.
CLOUDFRONT_PREFIX_LIST = "pl-3b927c52"
DNS_TTL = 60


def seeder_host(domain: str) -> str:
    """The name that follows the seeder task's public address."""
    return f"seeder.{domain}"


class Seeder(Construct):
    def __init__(self, scope: Construct, id: str, *, domain: str, zone: route53.IHostedZone,
                 environment: dict[str, str], task_statements: list[iam.PolicyStatement],
                 spot: bool, cpu: int = 256):
        super().__init__(scope, id)
        self.host = seeder_host(domain)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
        cluster = ecs.Cluster(self, "Cluster", vpc=vpc, enable_fargate_capacity_providers=True)
        # Fargate's smallest memory for each CPU size is twice the CPU units (512 at least).
        task = ecs.FargateTaskDefinition(self, "Task", cpu=cpu,
                                         memory_limit_mib=max(512, 2 * cpu))
        for statement in task_statements:
            task.add_to_task_role_policy(statement)
        task.add_container(
            "seeder", image=ecs.ContainerImage.from_asset(
                str(ROOT), file="functions/seeder/Dockerfile",
                platform=ecr_assets.Platform.LINUX_AMD64, **docker_context()),
            environment={**environment,
                         "PEERLESS_RTMP_PORT": str(RTMP_PORT),
                         # Only CloudFront reaches the tracker port (security group below).
                         "PEERLESS_TRACKER_TRUSTED_PROXIES": "0.0.0.0/0,::/0",
                         "PEERLESS_TRACKER_ORIGINS": f"https://{domain}"},
            logging=ecs.LogDriver.aws_logs(stream_prefix="seeder", log_group=logs.LogGroup(
                self, "Logs", retention=LOG_RETENTION)),
            port_mappings=[ecs.PortMapping(container_port=TRACKER_PORT),
                           ecs.PortMapping(container_port=TORRENT_PORT),
                           ecs.PortMapping(container_port=TORRENT_PORT,
                                           protocol=ecs.Protocol.UDP),
                           ecs.PortMapping(container_port=RTMP_PORT)])
        group = ec2.SecurityGroup(self, "Ports", vpc=vpc, description="Peerless seeder")
        group.add_ingress_rule(ec2.Peer.prefix_list(CLOUDFRONT_PREFIX_LIST),
                               ec2.Port.tcp(TRACKER_PORT), "tracker, through CloudFront")
        group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(TORRENT_PORT), "BitTorrent")
        group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.udp(TORRENT_PORT), "uTP")
        group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(RTMP_PORT), "RTMP ingest")
        group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.udp_range(1024, 65535), "WebRTC")
        self.service = ecs.FargateService(
            self, "Service", cluster=cluster, task_definition=task,
            # Parked: started on demand. A deploy that updates the service parks it again;
            # the park schedule starts it within its period if it is wanted.
            desired_count=0, assign_public_ip=True,
            security_groups=[group], min_healthy_percent=0, max_healthy_percent=100,
            capacity_provider_strategies=[ecs.CapacityProviderStrategy(
                capacity_provider="FARGATE_SPOT" if spot else "FARGATE", weight=1)])
        self._dns(cluster, zone)

    def _dns(self, cluster: ecs.Cluster, zone: route53.IHostedZone) -> None:
        function = lambda_.Function(
            self, "Dns", runtime=lambda_.Runtime.PYTHON_3_11, handler="index.handler",
            code=lambda_.Code.from_inline(
                (Path(__file__).parent / "seeder_dns.py").read_text()),
            timeout=Duration.seconds(30),
            environment={"ZONE_ID": zone.hosted_zone_id, "RECORD": self.host,
                         "TTL": str(DNS_TTL)},
            log_group=logs.LogGroup(self, "DnsLogs", retention=LOG_RETENTION))
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["route53:ChangeResourceRecordSets"], resources=[zone.hosted_zone_arn],
            conditions={"ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": [self.host]}}))
        # DescribeNetworkInterfaces has no resource-level permission.
        function.add_to_role_policy(iam.PolicyStatement(
            actions=["ec2:DescribeNetworkInterfaces"], resources=["*"]))
        events.Rule(self, "TaskRunning", event_pattern=events.EventPattern(
            source=["aws.ecs"], detail_type=["ECS Task State Change"],
            detail={"clusterArn": [cluster.cluster_arn], "lastStatus": ["RUNNING"]}),
            targets=[targets.LambdaFunction(function)])
