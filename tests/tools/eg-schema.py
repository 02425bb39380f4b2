#!/usr/bin/env python3
"""Checks the BackendTrafficPolicy of a downpage envoy-gateway.yaml field by field against
Envoy Gateway's v1.9.0 CRD schema (openAPIV3Schema, as JSON), with unknown fields refused
(as the API server prunes and kubectl --validate=strict refuses them), and evaluates the
schema's own x-kubernetes-validations rules that apply to what downpage writes.

    eg-schema.py SCHEMA_JSON ENVOY_GATEWAY_YAML
"""
import json
import sys

import jsonschema
import yaml


def strict(node):
    """Adds additionalProperties: false to every object schema that lists its properties."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)
    return node


schema = strict(json.load(open(sys.argv[1], encoding="utf-8")))
# metadata is type: object only in a CRD; name and namespace are the API server's rules.
docs = [d for d in yaml.safe_load_all(open(sys.argv[2], encoding="utf-8")) if d]
policies = [d for d in docs if d["kind"] == "BackendTrafficPolicy"]
assert len(policies) == 1, f"want one BackendTrafficPolicy, found {len(policies)}"
policy = policies[0]
jsonschema.validate(policy, schema)
assert policy["apiVersion"] == "gateway.envoyproxy.io/v1alpha1", policy["apiVersion"]
spec = policy["spec"]
# x-kubernetes-validations (CEL) that bear on the fields downpage writes:
assert ("targetRef" in spec) != ("targetRefs" in spec), "either targetRef or targetRefs"
for ref in spec["targetRefs"]:
    assert ref["group"] == "gateway.networking.k8s.io" and ref["kind"] == "Gateway", ref
names = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
for rule in spec["responseOverride"]:
    for code in rule["match"]["statusCodes"]:
        assert code["type"] == "Value" and "value" in code, code
    body = rule["response"]["body"]
    assert body["type"] == "ValueRef" and "valueRef" in body, body
    assert body["valueRef"]["kind"] == "ConfigMap", body
    assert body["valueRef"]["name"] in names, f"no ConfigMap {body['valueRef']['name']}"
    assert policy["metadata"]["namespace"] == next(
        d["metadata"]["namespace"] for d in docs if d["metadata"]["name"] == body["valueRef"]["name"])
print(f"ok: BackendTrafficPolicy {policy['metadata']['namespace']}/{policy['metadata']['name']} "
      f"({len(spec['responseOverride'])} rules) matches the v1.9.0 schema")
