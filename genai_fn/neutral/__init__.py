"""The neutral requests and replies between the contracts and the use cases: pure data, no oci import."""
