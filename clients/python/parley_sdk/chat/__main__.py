"""``python -m parley_sdk.chat``."""

from parley_sdk.chat.app import main

main()
