"""`Tx`: the queries of one transaction, composed from the store's per-area parts."""

from __future__ import annotations

from parley_sdk.store.conversations import ConversationQueries
from parley_sdk.store.groups import GroupQueries
from parley_sdk.store.messages import MessageQueries
from parley_sdk.store.read_state import ReadStateQueries
from parley_sdk.store.relations import RelationQueries
from parley_sdk.store.search import SearchQueries
from parley_sdk.store.sync_state import SyncStateQueries


class Tx(
    SyncStateQueries,
    MessageQueries,
    SearchQueries,
    ConversationQueries,
    ReadStateQueries,
    RelationQueries,
    GroupQueries,
):
    """Every query of the store inside one transaction; only used on the store's thread.

    Each area (messages, search, conversations, read state, sync state,
    profiles, relations, groups) keeps its table, its row mapping and its
    queries in its own module; this class only puts them side by side, the
    way Synapse's `DataStore` composes its per-area stores.
    """
