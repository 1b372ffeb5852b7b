"""The local store: one SQLite database per user (path chosen by the app).

`Store` (database.py) owns the connection on its own thread; `Tx` (tx.py)
is composed of one part per area, each holding its table and queries.
"""

from parley_sdk.store.database import SCHEMA_VERSION, Store
from parley_sdk.store.search import fts_query
from parley_sdk.store.tx import Tx

__all__ = ["SCHEMA_VERSION", "Store", "Tx", "fts_query"]
