"""The cluster bus on NATS: the durable message pipeline (JetStream, one
stream partitioned by conversation) and cross-node push (core NATS)."""
