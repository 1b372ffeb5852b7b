"""In-memory backends: what one process needs when there is no other node."""
