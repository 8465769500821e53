"""Jobs: provisioning (later revoke and restore) journaled step by step in the database."""
