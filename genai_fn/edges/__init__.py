"""The streaming edge: the same App served over ASGI (uvicorn), so a `stream: true` reply goes out as it comes.

The fdk edge is `func.py` + `envelope.py`; nothing here is imported by it (tests/edges/test_edge_imports.py).
"""
