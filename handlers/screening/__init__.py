"""The screening conversation: what assistance a resident may get."""
