#!/usr/bin/env python3
"""Envoy's configuration for a downpage envoy-gateway.yaml, as Envoy Gateway builds it.

    eg-envoy.py ENVOY_GATEWAY_YAML LISTEN_PORT UPSTREAM_PORT DEAD_PORT > envoy.json

Envoy Gateway translates each responseOverride rule of a BackendTrafficPolicy into a
matcher of the custom_response HTTP filter: an exact match on the response status code
(http-response-status-code-match-input), whose action is a LocalResponsePolicy with
body_format.text_format set to the ConfigMap's response.body (an Envoy format string) and
a Content-Type header from response.contentType (internal/xds/translator/custom_response.go
in envoyproxy/gateway). This script does the same for the generated file, in front of an
upstream (and, under /dead/, a port where nothing listens), so the real Envoy can validate
and serve it. Prints only the configuration; errors go to stderr with a non-zero exit.
"""
import json
import sys

import yaml

path, listen, upstream, dead = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
docs = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d]
maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
(policy,) = [d for d in docs if d["kind"] == "BackendTrafficPolicy"]
matchers = []
for i, rule in enumerate(policy["spec"]["responseOverride"]):
    (code,) = [c["value"] for c in rule["match"]["statusCodes"] if c["type"] == "Value"]
    response = rule["response"]
    ref = response["body"]["valueRef"]
    body = maps[ref["name"]]["data"]["response.body"]
    matchers.append({
        "predicate": {"single_predicate": {
            "input": {"name": "http-response-status-code-match-input", "typed_config": {
                "@type": "type.googleapis.com/envoy.type.matcher.v3.HttpResponseStatusCodeMatchInput"}},
            "value_match": {"exact": str(code)},
        }},
        "on_match": {"action": {"name": f"rule-{i}", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.http.custom_response.local_response_policy.v3.LocalResponsePolicy",
            "body_format": {"text_format": body},
            "response_headers_to_add": [{
                "header": {"key": "Content-Type", "value": response["contentType"]},
                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
            }],
        }}},
    })
config = {
    "static_resources": {
        "listeners": [{
            "name": "main",
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen}},
            "filter_chains": [{"filters": [{
                "name": "envoy.filters.network.http_connection_manager",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    "stat_prefix": "main",
                    "route_config": {"virtual_hosts": [{
                        "name": "all", "domains": ["*"],
                        "routes": [
                            {"match": {"prefix": "/dead/"}, "route": {"cluster": "dead"}},
                            {"match": {"prefix": "/"}, "route": {"cluster": "app"}},
                        ],
                    }]},
                    "http_filters": [
                        {"name": "envoy.filters.http.custom_response", "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.custom_response.v3.CustomResponse",
                            "custom_response_matcher": {"matcher_list": {"matchers": matchers}},
                        }},
                        {"name": "envoy.filters.http.router", "typed_config": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},
                    ],
                },
            }]}],
        }],
        "clusters": [
            {
                "name": name, "connect_timeout": "1s", "type": "STATIC",
                "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{
                    "endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}}}]}]},
            }
            for name, port in (("app", upstream), ("dead", dead))
        ],
    }
}
json.dump(config, sys.stdout, indent=1)
