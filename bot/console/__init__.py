"""The terminal chat: the production dispatcher with Bot API calls answered in-process."""
