"""Security and robustness tests (issue 6): authentication, tenants, roles, hostile input, backups."""
