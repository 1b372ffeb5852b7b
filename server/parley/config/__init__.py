from parley.config.settings import MultiLoginPolicy, Settings

__all__ = ["MultiLoginPolicy", "Settings"]
