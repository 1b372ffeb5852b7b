"""The S3-compatible server of the tests (SeaweedFS, started by
scripts/services.sh): its URL, and a bucket of a test's own."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.harness import REPO

S3_VAR = "PARLEY_TEST_S3_URL"
# SeaweedFS accepts any key unless configured otherwise; these only sign.
KEY, SECRET = "parley", "parley-secret"


def s3_url() -> str:
    """From the environment, else the env file scripts/services.sh writes;
    missing fails the test (the suites on engines never skip)."""
    if not os.environ.get(S3_VAR):
        env_file = Path(os.environ.get("PARLEY_SERVICES_DIR", REPO / ".services")) / "env"
        if env_file.is_file():
            for line in env_file.read_text().splitlines():
                if line.startswith(S3_VAR + "="):
                    os.environ[S3_VAR] = line.split("=", 1)[1].strip()
    url = os.environ.get(S3_VAR, "")
    if not url:
        pytest.fail(
            f"{S3_VAR} unset: start SeaweedFS with `scripts/services.sh start` (make test does)",
            pytrace=False,
        )
    return url


def bucket() -> str:
    return f"parley-test-{uuid.uuid4().hex[:12]}"


def server_env(url: str, name: str) -> dict[str, str]:
    """A Parley server keeping its files in bucket `name`."""
    return {
        "PARLEY_FILES__BACKEND": "s3",
        "PARLEY_FILES__S3_ENDPOINT": url,
        "PARLEY_FILES__S3_BUCKET": name,
        "PARLEY_FILES__S3_ACCESS_KEY": KEY,
        "PARLEY_FILES__S3_SECRET_KEY": SECRET,
    }
