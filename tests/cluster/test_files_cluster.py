"""Uploads across a cluster's gateways, on the real S3 server (SeaweedFS):
the pending bytes are in the bucket, so an upload begun on one gateway
resumes on the other, as a phone that lost its network reconnects to
whichever gateway the load balancer picks."""

from __future__ import annotations

import random

import pytest

from tests.api.files.client import Files, sha, stored_blobs
from tests.cluster.chat import admin_api
from tests.cluster.conftest import Cluster
from tests.harness import ServerProcess, new_user_id
from tests.storage.files.s3 import bucket, s3_url, server_env

pytestmark = pytest.mark.cluster

MIB = 1024 * 1024
PART = 5 * MIB


@pytest.fixture(autouse=True)
def files_in_s3(request: pytest.FixtureRequest) -> None:
    """The cluster's files in a bucket of the test's own, in parts of S3's minimum."""
    env = {**server_env(s3_url(), bucket()), "PARLEY_FILES__S3_PART_BYTES": str(PART)}
    request.node.add_marker(pytest.mark.cluster_env(**env))


async def test_an_upload_begun_on_one_gateway_resumes_on_the_other(cluster: Cluster) -> None:
    api1, api2 = await admin_api(cluster, 0), await admin_api(cluster, 1)
    try:
        uid = new_user_id("up")
        await api1.register(uid)
        token = await api1.token(uid)
        # Past two parts, and a cut inside the second: one part and a tail on gw1.
        data = random.randbytes(6 * MIB + 12345).hex().encode()
        cut = PART + random.randrange(MIB, 4 * MIB)
        on1, on2 = Files(api1, token), Files(api2, token)
        upload_id = await on1.start(data, "big.txt")
        first = await on1.send(upload_id, data, 0, cut)
        assert first.committed_offset == cut and not first.HasField("file")
        status = await on2.status(upload_id)
        assert status.committed_offset == cut
        done = await on2.send(upload_id, data, cut)
        assert done.committed_offset == len(data)
        assert done.file.sha256 == sha(data)
        assert await on1.download(done.file.file_id) == data
        env = ServerProcess(data_dir=cluster.gateways[0].log_dir, env=cluster.env)
        assert stored_blobs(env) == [sha(data)]  # the blob, and no pending part or tail left
    finally:
        await api1.close()
        await api2.close()
