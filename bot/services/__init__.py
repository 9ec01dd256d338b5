"""Services: what is neither a handler nor a table (the outbox sender, notices, the digest)."""
