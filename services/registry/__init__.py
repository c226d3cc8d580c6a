"""Registry service: matches complainants to households and assesses their needs."""
