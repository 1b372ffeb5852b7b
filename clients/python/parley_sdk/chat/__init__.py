"""`parley-chat`, the terminal client (``python -m parley_sdk.chat``)."""
