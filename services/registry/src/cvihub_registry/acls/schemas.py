"""HTTP bodies of the Kafka ACL routes."""

from pydantic import (
    BaseModel,
    Field,
)


class KafkaAclOut(BaseModel):
    """One ALLOW Kafka ACL binding (host `*`) the registry's grants call for."""

    principal: str = Field(examples=["User:eastside-cvi"])
    resource_type: str = Field(examples=["TOPIC", "GROUP"])
    resource_name: str = Field(examples=["cvihub.incident-alerts.v1", "eastside-cvi."])
    pattern_type: str = Field(examples=["LITERAL", "PREFIXED"])
    operation: str = Field(examples=["READ", "WRITE", "DESCRIBE"])
