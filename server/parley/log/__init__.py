"""The append log, below the domain: seqs, the group commit, the message
pipeline, version clocks and the push seam. Everything that lands in a
conversation goes through `ConversationLog.append`; the domain decides what
to append and who may, this layer only how it becomes durable and is pushed."""
