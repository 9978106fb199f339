"""Rerank's pure parts: the contract's parsing and rendering, and reading the service's reply."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from genai_fn.contracts.rerank import RERANK
from genai_fn.errors import RouteNotFound, UpstreamFailed
from genai_fn.http import Invocation
from genai_fn.neutral.rerank import Ranked, RerankReply, RerankRequest
from genai_fn.upstream import rerank
from tests.constants import ENDPOINT_OCID, RERANK_MODEL

from .conftest import make_settings

MODEL = RERANK_MODEL
REQUEST = RerankRequest(MODEL, "q", ("a", "b", "c"), top_n=None, return_documents=True)
INVOCATION = Invocation("POST", "/v1/rerank", {}, b"", "call-1", 1e12, True)


def _ranks(*pairs: tuple[object, object]) -> SimpleNamespace:
    ranks = [SimpleNamespace(index=index, relevance_score=score) for index, score in pairs]
    return SimpleNamespace(document_ranks=ranks, model_id=MODEL)


def test_reply_is_sorted_by_score_then_index() -> None:
    reply = rerank.to_reply(_ranks((0, 0.1), (2, 0.9), (1, 0.1)), "rid", REQUEST)
    assert [(r.index, r.relevance_score) for r in reply.results] == [(2, 0.9), (0, 0.1), (1, 0.1)]
    assert reply.opc_request_id == "rid"


@pytest.mark.parametrize("pairs", [((3, 0.5),), ((-1, 0.5),), ((True, 0.5),), ((0, "high"),), ((0, None),)])
def test_a_rank_outside_the_request_is_unreadable(pairs: tuple[tuple[object, object], ...]) -> None:
    with pytest.raises(UpstreamFailed, match="rerank reply"):
        rerank.to_reply(_ranks(*pairs), "rid", REQUEST)


def test_a_reply_without_ranks_is_unreadable() -> None:
    with pytest.raises(UpstreamFailed):
        rerank.to_reply(SimpleNamespace(), None, REQUEST)


def test_parse_accepts_strings_and_text_objects_and_caps_top_n() -> None:
    settings = make_settings(RERANK_MODELS=MODEL, RERANK_ENDPOINT_ID=ENDPOINT_OCID)
    body = {"query": "q", "documents": ["a", {"text": "b"}], "top_n": 5, "user": "ignored"}
    assert RERANK.parse(body, settings) == RerankRequest(MODEL, "q", ("a", "b"), 2, False)


def test_parse_caps_the_document_count_before_any_call() -> None:
    from genai_fn.contracts.rerank import MAX_RERANK_DOCUMENTS
    from genai_fn.errors import InvalidRequest

    settings = make_settings(RERANK_MODELS=MODEL, RERANK_ENDPOINT_ID=ENDPOINT_OCID)
    assert len(RERANK.parse({"query": "q", "documents": ["d"] * MAX_RERANK_DOCUMENTS}, settings).documents) == 1000
    with pytest.raises(InvalidRequest, match="at most 1000") as raised:
        RERANK.parse({"query": "q", "documents": ["d"] * (MAX_RERANK_DOCUMENTS + 1)}, settings)
    assert raised.value.param == "documents"


def test_parse_needs_rerank_models() -> None:
    with pytest.raises(RouteNotFound, match="RERANK_MODELS"):
        RERANK.parse({"query": "q", "documents": ["a"]}, make_settings())


def test_render_is_the_cohere_jina_shape() -> None:
    reply = RerankReply(MODEL, (Ranked(1, 0.75), Ranked(0, 0.5)))
    body = json.loads(RERANK.render(reply, REQUEST, INVOCATION).body)
    assert body == {
        "id": "call-1",
        "model": MODEL,
        "results": [
            {"index": 1, "relevance_score": 0.75, "document": {"text": "b"}},
            {"index": 0, "relevance_score": 0.5, "document": {"text": "a"}},
        ],
        "usage": {"documents": 3},
    }


def test_details_carry_the_request() -> None:
    """Rerank 3.5 is dedicated-only: the call goes to RERANK_ENDPOINT_ID; a model served on demand goes by name."""
    settings = make_settings(RERANK_MODELS=MODEL, RERANK_ENDPOINT_ID=ENDPOINT_OCID)
    details = rerank.to_details(RerankRequest(MODEL, "q", ("a",), 1), settings)
    assert (details.input, details.documents, details.top_n, details.is_echo) == ("q", ["a"], 1, False)
    assert details.serving_mode.endpoint_id == ENDPOINT_OCID and details.compartment_id == settings.compartment_ocid
    on_demand = make_settings(RERANK_MODELS="cohere.rerank-new")
    assert rerank.to_details(RerankRequest("cohere.rerank-new", "q", ("a",)), on_demand).serving_mode.model_id
