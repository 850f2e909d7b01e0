"""The Peerless stack (DESIGN section 5): data, functions, CDN, seeder, alarms."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from .cdn import Cdn
from .data import Data
from .first_run import ADMIN_PASSWORD_PARAMETER
from .functions import API_STAGE, SEEDER_ACCESS, Functions
from .resources import RESOURCES, Resources
from .seeder import RTMP_PORT, Seeder, seeder_host


@dataclass(frozen=True)
class Options:
    """What one deployment chooses (make deploy reads them from the environment)."""
    domain: str
    layer_dir: Path           # the dependencies layer's content (python/...)
    site_dir: Path            # the built web app (static_site/dist)
    build_dir: Path           # scratch space for packaging the Chalice apps
    hosted_zone_id: str | None = None  # None: the stack creates the domain's zone
    keep_data: bool = True    # the table and buckets outlive `make destroy`
    seeder_spot: bool = True
    # The seeder started on demand (views, lives) and parked when idle; False: never
    # started (no tracker, no live ingest; players use the CDN alone).
    seeder_on_demand: bool = True
    # Fargate CPU units of the seeder's task, which also runs the live ingest: 256 (0.25
    # vCPU) seeds and tracks; a 720p live with a 360p rung takes ~0.4 of a core to encode
    # (bench/live.py), so an instance with lives wants 1024.
    seeder_cpu: int = 256
    alert_email: str | None = None
    extra_environment: dict[str, str] = field(default_factory=dict)
    resources: Resources = RESOURCES


class PeerlessStack(Stack):
    def __init__(self, scope: Construct, id: str, *, options: Options, **kwargs):
        super().__init__(scope, id, **kwargs)
        o = options
        public_url = f"https://{o.domain}"
        if o.hosted_zone_id:
            zone = route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=o.hosted_zone_id, zone_name=o.domain)
        else:
            zone = route53.PublicHostedZone(self, "Zone", zone_name=o.domain)
            CfnOutput(self, "NameServers", value=Fn.join(", ", zone.hosted_zone_name_servers),
                      description="Set these as the domain's name servers at its registrar")
        data = Data(self, "Data", resources=o.resources, keep_data=o.keep_data,
                    browser_origin=public_url)
        # Streamers' encoders reach the ingest in the seeder's task directly.
        rtmp_url = f"rtmp://{seeder_host(o.domain)}:{RTMP_PORT}/live"
        functions = Functions(self, "Functions", data=data, public_url=public_url,
                              layer_dir=o.layer_dir, build_dir=o.build_dir,
                              site_dir=o.site_dir, extra_environment={
                                  "PEERLESS_RTMP_URL": rtmp_url, **o.extra_environment})
        media = data.buckets["media"]
        seeder = Seeder(self, "Seeder", domain=o.domain, zone=zone,
                        environment=functions.environment,
                        task_statements=functions.statements(SEEDER_ACCESS),
                        spot=o.seeder_spot, cpu=o.seeder_cpu)
        if o.seeder_on_demand:
            functions.run_on_demand(seeder.service)
        cdn = Cdn(self, "Cdn", domain=o.domain, zone=zone, site_dir=o.site_dir, media=media,
                  api_domain=functions.rest_api_domain(functions.api),
                  inbox_domain=functions.rest_api_domain(functions.inbox),
                  api_stage=API_STAGE, seeder_host=seeder.host)
        self._alarms(data, functions, o.alert_email)
        CfnOutput(self, "Url", value=public_url)
        CfnOutput(self, "DistributionDomain", value=cdn.distribution.distribution_domain_name)
        CfnOutput(self, "AdminPassword", value=(
            f"aws ssm get-parameter --name {ADMIN_PASSWORD_PARAMETER} --with-decryption "
            f"--query Parameter.Value --output text  (user: root)"))

    def _alarms(self, data: Data, functions: Functions, email: str | None) -> None:
        topic = sns.Topic(self, "Alarms")
        if email:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        action = cw_actions.SnsAction(topic)
        for key, dlq in data.dead_letter_queues.items():
            alarm = dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5)).create_alarm(
                self, f"{key.title()}DeadLetters", threshold=1, evaluation_periods=1,
                alarm_description=f"Messages gave up on the {key} queue: see its -dlq",
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            alarm.add_alarm_action(action)
        for name, function_name in functions.functions.items():
            if name == "first-run":
                continue
            alarm = cloudwatch.Metric(
                namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
                dimensions_map={"FunctionName": function_name},
                period=Duration.minutes(5)).create_alarm(
                self, f"{''.join(p.title() for p in name.split('-'))}Errors", threshold=1,
                evaluation_periods=1, alarm_description=f"The {name} function failed",
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            alarm.add_alarm_action(action)
