"""Authentication (passwords, tokens) and authorization (the policy) of §25."""
