"""The private Redis of the fault tests serves here too."""

from tests.faults.conftest import private_redis

__all__ = ["private_redis"]
