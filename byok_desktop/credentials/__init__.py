"""AWS credential profiles: metadata in the database, secrets only in the OS keyring."""
