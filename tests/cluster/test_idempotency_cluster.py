"""Idempotency keys across a cluster's gateways: the key is claimed in the
shared store (here the cluster's MongoDB), so a retry that lands on the other
gateway, or races the first call there, gets the same group."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from parley.group.v1 import group_pb2
from tests.api.social import Social
from tests.cluster.chat import admin_api
from tests.cluster.conftest import Cluster
from tests.harness import bearer, new_user_id

pytestmark = pytest.mark.cluster


async def test_a_retry_on_the_other_gateway_gets_the_same_group(cluster: Cluster) -> None:
    api1, api2 = await admin_api(cluster, 0), await admin_api(cluster, 1)
    try:
        owner = new_user_id("own")
        await api1.register(owner)
        token = await api1.token(owner)
        s1, s2 = Social(api1), Social(api2)
        req = group_pb2.CreateGroupRequest(name="team", idempotency_key=uuid.uuid4().hex)
        raced = await asyncio.gather(
            *(s.groups.CreateGroup(req, metadata=bearer(token)) for s in (s1, s2, s1, s2))
        )
        retried = await s2.groups.CreateGroup(req, metadata=bearer(token))
        assert {r.group.group_id for r in [*raced, retried]} == {raced[0].group.group_id}
        joined = await s1.groups.ListJoinedGroups(
            group_pb2.ListJoinedGroupsRequest(), metadata=bearer(token)
        )
        assert joined.page.total == 1
    finally:
        await api1.close()
        await api2.close()
