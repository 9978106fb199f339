"""Run the function locally exactly as Fn does: the real fdk on a unix socket, spoken to in the http-stream protocol.

Used by the integration tests, the benchmarks and `scripts/run-local`; never shipped in the function image.
"""
