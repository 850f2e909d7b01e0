import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def aws(monkeypatch):
    """The declared resources in moto's in-process mock: for unit tests of domain code."""
    for name, value in {"AWS_ACCESS_KEY_ID": "unit", "AWS_SECRET_ACCESS_KEY": "unit",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        from peerless_local.provision import provision
        provision(boto3.session.Session(region_name="us-east-1"))
        yield
