"""Test and benchmark tooling: throw-away services on loopback, the production layout as a cluster, load."""
