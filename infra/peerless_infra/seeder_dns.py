"""Points the seeder's DNS name at the public address of its task that just started
(the body of a Lambda function run by ECS's task state change event; boto3 only)."""
import os

import boto3


def handler(event, context):
    details = {d["name"]: d["value"] for attachment in event["detail"].get("attachments", [])
               for d in attachment.get("details", [])}
    interface = details.get("networkInterfaceId")
    if not interface:
        return None
    described = boto3.client("ec2").describe_network_interfaces(
        NetworkInterfaceIds=[interface])["NetworkInterfaces"][0]
    address = described.get("Association", {}).get("PublicIp")
    if not address:
        return None
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=os.environ["ZONE_ID"], ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {
                "Name": os.environ["RECORD"], "Type": "A", "TTL": int(os.environ["TTL"]),
                "ResourceRecords": [{"Value": address}]}}]})
    return address
