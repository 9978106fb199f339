"""The only code that talks to OCI Generative AI: the SDK client, deadline-bounded retries, bounded replies, the
translation of SDK failures, and the mapping of each operation to and from the SDK's models (a chat request's own
mapping is its family's: genai_fn/families)."""
