"""MongoDB backend (cluster mode): the message store, via pymongo's native
async client. Tested against MongoDB's wire protocol as FerretDB 1.24 serves
it, so it uses no transactions and no aggregation accumulators."""
