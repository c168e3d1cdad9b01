"""Devices: pairing, device tokens, registry and groups, remote commands (§8, §18, §26.4-26.5)."""
