"""The player conformance kit (issue 20): scenarios that drive any player through the real
platform and a fault-injecting proxy, through an adapter per player (`adapter.PlayerAdapter`)."""
