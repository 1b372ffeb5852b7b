"""The log's entries are protobuf (`parley.internal.log.v1.Entry`), and the
BSON entries of earlier releases still read as the same envelopes, so a
rolling upgrade persists what old gateways appended."""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf.message import Message

from parley.bus import bson_entries
from parley.bus.codec import HOLE, MSG, PROTOBUF_LOG, TICK, Envelope
from parley.internal.log.v1 import log_pb2 as pb
from parley.storage import records as rec
from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from parley.storage.sql import schema
from tests.bus.bson_writer import encode_bson
from tests.bus.samples import (
    ALLOC_MS,
    CONV,
    EXCLUDE,
    FIXTURES,
    FRAME,
    MEMBERS,
    SEQ,
    sample_batch,
)


def sample() -> Envelope:
    return Envelope(MSG, CONV, SEQ, ALLOC_MS, sample_batch(), MEMBERS, FRAME, EXCLUDE)


def test_a_bson_entry_of_an_earlier_release_reads_as_the_same_envelope() -> None:
    old = (FIXTURES / "bson-entry.bin").read_bytes()
    assert Envelope.decode(old) == sample()
    hole = Envelope.decode((FIXTURES / "bson-hole.bin").read_bytes())
    assert hole == Envelope(HOLE, CONV, SEQ + 1)


def test_the_old_writer_kept_for_tests_is_the_one_that_wrote_the_fixture() -> None:
    assert encode_bson(sample()) == (FIXTURES / "bson-entry.bin").read_bytes()


@pytest.mark.parametrize(
    "env",
    [
        sample(),
        Envelope(MSG, CONV, SEQ, ALLOC_MS, WriteBatch()),
        Envelope(MSG, CONV, SEQ, ALLOC_MS),
        Envelope(HOLE, CONV, SEQ),
        Envelope(TICK),
    ],
    ids=["full", "empty-batch", "no-batch", "hole", "tick"],
)
def test_an_entry_reads_back_as_written(env: Envelope) -> None:
    data = env.encode()
    assert data.startswith(PROTOBUF_LOG)
    assert not bson_entries.is_bson(data)
    assert Envelope.decode(data) == env


def test_every_batch_entry_travels() -> None:
    batch = sample_batch()
    for f in dataclasses.fields(WriteBatch):
        assert getattr(batch, f.name), f"the sample leaves {f.name} empty"
    back = Envelope.decode(sample().encode()).batch
    assert back is not None
    for f in dataclasses.fields(WriteBatch):
        assert getattr(back, f.name) == getattr(batch, f.name), f.name


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        (pb.MessageInsert, rec.Message),
        (pb.ConversationUpsert, rec.Conversation),
        (pb.UserConversationInsert, rec.UserConversation),
        (pb.MessageUpdate, MessageUpdate),
        (pb.HiddenMessage, HiddenMark),
    ],
)
def test_every_field_of_a_batch_entry_has_its_field_in_the_log(
    message: type[Message], entry: type[object]
) -> None:
    """A field added to a record but not to its log entry would be lost in
    cluster mode only, silently."""
    names = {f.name for f in dataclasses.fields(entry)}  # type: ignore[arg-type]
    assert set(message.DESCRIPTOR.fields_by_name) == names


def test_a_message_update_names_the_columns_it_rewrites() -> None:
    assert set(pb.MessageUpdate.DESCRIPTOR.fields_by_name) <= set(schema.MessageRow.model_fields)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"junk",
        PROTOBUF_LOG + b"\xff\xff",
        PROTOBUF_LOG + pb.Entry().SerializeToString(),
        b"\x07\x00\x00\x00\x02k\x00",
        b"\x05\x00\x00\x00\x00",
    ],
    ids=["empty", "junk", "bad-protobuf", "unknown-kind", "bad-bson", "bson-without-kind"],
)
def test_what_is_no_entry_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="log entry"):
        Envelope.decode(data)


def test_protobuf_is_smaller_than_bson() -> None:
    assert len(sample().encode()) < len((FIXTURES / "bson-entry.bin").read_bytes()) / 2
