"""Delivery targets. Only the memory and local sinks are imported here; the S3
and SFTP sinks pull in boto3/asyncssh and are imported by name when used."""

from feedcore.sinks.base import ObjectInfo, Payload, Sink, SinkEvent, SinkListener
from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink

__all__ = [
    "LocalSink",
    "MemorySink",
    "ObjectInfo",
    "Payload",
    "Sink",
    "SinkEvent",
    "SinkListener",
]
