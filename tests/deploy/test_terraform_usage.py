"""deploy/terraform for issue 25: the usage function, its connector and IAM, the example alarm, and OCI Cache for
the budgets, checked offline against the provider's argument names as the other resources are."""

from __future__ import annotations

import re

import test_terraform as tf

from genai_fn.budgets.store import KEY_PREFIX


def test_connector_moves_the_function_log_to_the_usage_function() -> None:
    connector = tf._resource("oci_sch_service_connector", "usage")
    assert connector["count"] == "${local.usage_enabled}"
    source, target = connector["source"][0], connector["target"][0]
    assert source["kind"] == "logging"
    assert source["log_sources"][0]["log_id"] == "${oci_logging_log.function_invoke.id}"
    assert (target["kind"], target["function_id"]) == ("functions", "${oci_functions_function.usage[0].id}")
    assert "time_sleep.usage_iam_propagation" in str(connector["depends_on"])
    wait = tf._resource("time_sleep", "usage_iam_propagation")  # the connector waits for its own policy
    assert "oci_identity_policy.usage" in str(wait["triggers"])


def test_usage_function_is_in_its_own_application_so_its_output_never_loops_back() -> None:
    app = tf._resource("oci_functions_application", "usage")
    assert app["display_name"] == "${var.name_prefix}-usage-app"
    log = tf._resource("oci_logging_log", "function_invoke")
    assert log["configuration"][0]["source"][0]["resource"] == "${oci_functions_application.this.id}"
    fn = tf._resource("oci_functions_function", "usage")
    assert fn["application_id"] == "${oci_functions_application.usage[0].id}"
    assert set(fn["config"]) == {"USAGE_METRICS_NAMESPACE", "USAGE_METRICS_COMPARTMENT_OCID"}
    assert fn["memory_in_mbs"] in tf.MEMORY_SIZES


def test_the_usage_function_may_post_metrics_only_in_its_namespace() -> None:
    statement = tf._norm(tf._locals()["usage_metric_statement"])
    assert statement == "allow dynamic-group X to use metrics in compartment id X where target.metrics.namespace = 'X'"
    rule = tf._resource("oci_identity_dynamic_group", "usage")["matching_rule"]
    assert "resource.id = '${oci_functions_function.usage[0].id}'" in rule
    for statement in tf._locals()["connector_statements"]:
        assert "request.principal.type = 'serviceconnector'" in statement
    for rtype in ("oci_identity_dynamic_group", "oci_identity_policy"):
        assert tf._resource(rtype, "usage")["provider"] == "${oci.home}"


def test_the_example_alarm_sums_a_callers_tokens() -> None:
    alarm = tf._resource("oci_monitoring_alarm", "usage")
    assert alarm["namespace"] == "${var.usage_metrics_namespace}"
    assert alarm["destinations"] == ["${var.usage_alarm_topic_id}"]
    query = tf._locals()["usage_alarm_query"]
    assert re.search(r"total_tokens\[1h\]\{caller = .*\}\.sum\(\) >", query)
    assert {"compartment_id", "metric_compartment_id", "display_name", "is_enabled", "severity", "query"} <= set(alarm)


def test_the_cache_cluster_is_non_sharded_in_the_function_subnet_with_a_least_privilege_user() -> None:
    cluster = tf._resource("oci_redis_redis_cluster", "budgets")
    assert (cluster["cluster_mode"], cluster["subnet_id"]) == ("NONSHARDED", "${var.function_subnet_id}")
    assert cluster["software_version"] in ("V7_0_5", "REDIS_7_0", "VALKEY_7_2", "VALKEY_8_1")
    user = tf._resource("oci_redis_oci_cache_user", "budgets")
    assert user["authentication_mode"][0]["authentication_type"] == "PASSWORD"
    assert user["authentication_mode"][0]["hashed_passwords"] == ["${sha256(var.cache_user_password)}"]
    acl = tf._locals()["cache_user_acl"]
    assert f"~{KEY_PREFIX}*" in acl
    from tests.usage.redis_server import ACL, COOLDOWN_ACL

    assert acl == " ".join(ACL + COOLDOWN_ACL), "the ACL the tests give their server is the one deployed"
    attach = tf._resource("oci_redis_redis_cluster_attach_oci_cache_user", "budgets")
    assert attach["oci_cache_users"] == ["${oci_redis_oci_cache_user.budgets[0].id}"]
    url = tf._locals()["created_store_url"]
    assert "rediss://" in url and "primary_fqdn" in url and "6379" in url
    assert tf._variable("budget_store_url")["sensitive"] is True
    assert tf._variable("cache_user_password")["sensitive"] is True


def test_budgets_reach_the_function_config_only_when_set() -> None:
    assert "local.budget_config" in tf._locals()["function_config"]
    assert 'var.token_budgets == ""' in tf._locals()["budget_config"]
