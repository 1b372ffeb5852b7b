"""Pieces of the SDK that need no server: backoff, failure classification,
error frames, the local store's ordering, tombstones and search queries."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from parley.common.v1 import common_pb2
from parley.msg.v1 import notification_pb2
from parley_sdk import ChatMessage, ConnectionState, SendStatus, text_content
from parley_sdk.errors import from_error_frame
from parley_sdk.messages import number_of, seq_of
from parley_sdk.network import backoff_delay, classify
from parley_sdk.store import Store, Tx, fts_query


def test_backoff_grows_exponentially_with_jitter() -> None:
    for attempt in range(12):
        d = min(30.0, 0.5 * 2**attempt)
        for _ in range(20):
            assert d / 2 <= backoff_delay(attempt, 0.5, 30.0) <= d
    assert backoff_delay(10_000, 0.5, 30.0) <= 30.0
    assert len({round(backoff_delay(5, 0.5, 30.0), 6) for _ in range(20)}) > 1


def test_final_failures_are_classified() -> None:
    U = grpc.StatusCode.UNAUTHENTICATED
    assert classify(U, "ERROR_REASON_TOKEN_EXPIRED") == ConnectionState.TOKEN_EXPIRED
    assert classify(U, "ERROR_REASON_KICKED") == ConnectionState.KICKED
    assert classify(U, "ERROR_REASON_TOKEN_REVOKED") == ConnectionState.KICKED
    assert classify(U, "ERROR_REASON_TOKEN_INVALID") == ConnectionState.AUTH_FAILED
    assert classify(U, "ERROR_REASON_AUTH_REQUIRED") is None
    assert classify(grpc.StatusCode.UNAVAILABLE, "ERROR_REASON_SHUTTING_DOWN") is None
    assert classify(grpc.StatusCode.RESOURCE_EXHAUSTED, "ERROR_REASON_SLOW_CONSUMER") is None
    assert classify(grpc.StatusCode.UNAVAILABLE, "") is None


def test_error_frames_become_parley_errors() -> None:
    R = common_pb2.ErrorReason
    e = from_error_frame(7, R.ERROR_REASON_BLOCKED_BY_USER, "blocked")
    assert e.code == grpc.StatusCode.PERMISSION_DENIED
    assert e.reason == "ERROR_REASON_BLOCKED_BY_USER" and not e.transient
    limited = from_error_frame(8, R.ERROR_REASON_RATE_LIMITED, "slow down")
    assert limited.transient
    assert from_error_frame(12, R.ERROR_REASON_UNIMPLEMENTED, "").unimplemented


def test_fts_queries_quote_every_term() -> None:
    assert fts_query(["light", 'say "hi"'], trigram=True) == '"light" AND "say ""hi"""'
    assert fts_query(["light"], trigram=False) == '"light"*'


def _msg(cid: str, seq: int, text: str, status: SendStatus = SendStatus.SENT) -> ChatMessage:
    return ChatMessage(
        conversation_id=cid,
        client_msg_id=f"c{seq}-{text}",
        sender_id="me",
        session_type=1,
        seq=seq,
        content=text_content(text),
        send_status=status,
        server_time_ms=seq,
    )


async def test_history_orders_by_seq_with_unsent_last(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    await store.open()
    try:

        def fill(tx: Tx) -> None:
            tx.save_message(_msg("si_a_b", 0, "being sent", SendStatus.SENDING))
            for seq in (3, 1, 2):
                tx.save_message(_msg("si_a_b", seq, f"m{seq}"))
            tx.save_message(_msg("si_a_c", 1, "elsewhere"))

        await store.run(fill)
        history = await store.run(lambda tx: tx.history("si_a_b", None, 10, True))
        assert [m.text for m in history] == ["m1", "m2", "m3", "being sent"]
        last_two = await store.run(lambda tx: tx.history("si_a_b", None, 2, True))
        assert [m.text for m in last_two] == ["m3", "being sent"]
        older = await store.run(lambda tx: tx.history("si_a_b", 3, 10, True))
        assert [m.seq for m in older] == [1, 2]
        latest = await store.run(lambda tx: tx.latest_message("si_a_b"))
        assert latest is not None and latest.text == "being sent"
        found = await store.run(lambda tx: tx.search("M2", None, None, 10))
        assert [m.seq for m in found] == [2]

        def tombstone(tx: Tx) -> None:
            tx.add_tombstones("si_a_b", [2])

        await store.run(tombstone)
        assert await store.run(lambda tx: tx.is_tombstone("si_a_b", 2))
        assert not await store.run(lambda tx: tx.is_tombstone("si_a_b", 3))
    finally:
        await store.close()


async def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    await store.open()
    try:

        def broken(tx: Tx) -> None:
            tx.save_message(_msg("si_a_b", 1, "half"))
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await store.run(broken)
        assert await store.run(lambda tx: tx.stored_messages("si_a_b")) == []
    finally:
        await store.close()


async def test_numbers_count_messages_not_control_events(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    await store.open()
    try:

        def fill(tx: Tx) -> None:
            for seq in (1, 3, 6):
                tx.save_message(_msg("si_a_b", seq, f"m{seq}"))
            for seq in (2, 4, 5):
                receipt = notification_pb2.Notification()
                receipt.read_receipt.has_read_seq = seq - 1
                tx.save_message(
                    ChatMessage("si_a_b", f"r{seq}", "b", 1, seq=seq, notification=receipt)
                )

        await store.run(fill)
        controls = await store.run(lambda tx: tx.control_seqs("si_a_b"))
        assert controls == [2, 4, 5]
        assert [number_of(controls, s) for s in (1, 3, 6)] == [1, 2, 3]
        assert [seq_of(controls, n) for n in (1, 2, 3)] == [1, 3, 6]
        # Read up to a receipt's seq: up to the last message below it.
        assert number_of(controls, 5) == 2
    finally:
        await store.close()
