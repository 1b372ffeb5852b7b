"""Where file bytes live: a local directory (embedded default) or an S3 bucket,
and the local staging area of pending uploads."""
