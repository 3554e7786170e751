"""Contracts: what the sandbox receives and answers, held to Stripe's and Twilio's published API descriptions.

The descriptions are trimmed extracts (``stripe_openapi_extract.json``, ``twilio_openapi_extract.json``, made by
``build_extracts.py``; their sources and versions are written in them). The emulators call ``check_*`` on every
API request and answer and keep what fails in their ``contract_violations``; the tests require it to stay empty.

The checker reads the subset of OpenAPI 3.0 the extracts use: ``$ref``, ``type``, ``enum``, ``nullable``,
``anyOf``, ``properties``, ``required``, ``additionalProperties``, ``items``. A property not described is refused,
in the requests (an unknown or misspelled parameter) as in the answers (a field Stripe or Twilio does not have).
Requests are form-encoded: their integers and booleans arrive as text and are read as such.
"""

import functools
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


@functools.cache
def load(name):
    return json.loads((HERE / f"{name}_openapi_extract.json").read_text())


def _form_value(value, expected):
    """A form-encoded value (text) read as the type the description expects."""
    if not isinstance(value, str):
        return value
    if expected == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if expected == "number" and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return float(value)
    if expected == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def validate(value, schema, spec, where="", form=False):
    """The ways ``value`` departs from ``schema`` (a list of sentences, empty when it conforms)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if value is None:
        return [] if schema.get("nullable") or not schema else [f"{where or 'the value'}: null, not nullable"]
    if "anyOf" in schema:
        attempts = [validate(value, option, spec, where, form) for option in schema["anyOf"]]
        if any(not errors for errors in attempts):
            return []
        # One form of the value's own type (an id or the expanded object): its errors, in full.
        fitting = [a for a in attempts if not (len(a) == 1 and a[0].endswith(("expected string", "expected object")))]
        if len(fitting) == 1:
            return fitting[0]
        return [f"{where}: matches none of its {len(attempts)} forms: " + " / ".join(e[0] for e in attempts)]
    expected = schema.get("type")
    if form:
        value = _form_value(value, expected)
    errors = []
    if expected:
        python_type = TYPES[expected]
        if not isinstance(value, python_type) or (expected in ("integer", "number") and isinstance(value, bool)):
            return [f"{where}: {type(value).__name__} {value!r:.60}, expected {expected}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} is not one of {schema['enum'][:20]}")
    if isinstance(value, dict):
        errors += _validate_object(value, schema, spec, where, form)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], spec, f"{where}[{i}]", form)
    return errors


def operation(service, method, path):
    """The path template of the extract that ``path`` is a call of (``"stripe"`` or ``"twilio"``), or None."""
    return _operation(load(service), method, path)[0]


def _validate_object(value, schema, spec, where, form):
    errors = []
    properties = schema.get("properties", {})
    for key in schema.get("required", ()):
        if key not in value:
            errors.append(f"{where}.{key}: required, missing" if where else f"{key}: required, missing")
    extra = schema.get("additionalProperties", {} if not properties else False)
    for key, item in value.items():
        path = f"{where}.{key}" if where else key
        if key in properties:
            errors += validate(item, properties[key], spec, path, form)
        elif extra is False:
            errors.append(f"{path}: not in the API description")
        elif isinstance(extra, dict):
            errors += validate(item, extra, spec, path, form)
    if schema.get("x-type-names-a-property") and isinstance(value.get("type"), str) and value["type"] not in value:
        errors.append(f"{where}: no {value['type']!r} hash beside its type")
    return errors


def _operation(spec, method, path):
    for template, operations in spec["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None, None


# -- Stripe -------------------------------------------------------------------------------------------------------
def check_stripe_request(method, path, params):
    """``params``: the decoded form (POST) or query (GET) of a call under ``/v1``."""
    spec = load("stripe")
    template, operation = _operation(spec, method, path)
    if not operation:
        return [f"{method} {path}: not an operation of the extract"]
    return [f"{method} {template} {e}" for e in validate(params, operation["parameters"], spec, form=True)]


def check_stripe_response(method, path, status, body):
    """A 2xx answer must be the object the call returns; an error, Stripe's error shape."""
    spec = load("stripe")
    template, operation = _operation(spec, method, path)
    if not operation:
        return []  # the request already failed its contract
    if status >= 300:
        return [f"{method} {template} answer {status}: {e}" for e in validate(body, STRIPE_ERROR, spec)]
    return [f"{method} {template} answer: {e}" for e in validate(body, operation["response"], spec)]


# https://docs.stripe.com/api/errors: the error object (the description's ``error`` schema, its fields we write).
STRIPE_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {
                    "type": "string",
                    "enum": [
                        "api_error",
                        "card_error",
                        "idempotency_error",
                        "invalid_request_error",
                    ],
                },
                "code": {"type": "string"},
                "decline_code": {"type": "string"},
                "message": {"type": "string"},
                "param": {"type": "string"},
            },
            "additionalProperties": False,
        }
    },
    "additionalProperties": False,
}
# The object an event carries, by the prefix of its type (https://docs.stripe.com/api/events/types).
EVENT_OBJECTS = {"checkout.session.": "checkout.session", "charge.refund.": "refund", "charge.": "charge"}


def check_stripe_event(event):
    """An event (what the webhooks post): the Event object, and the object in its ``data`` by its type."""
    spec = load("stripe")
    errors = validate(event, {"$ref": "#/components/schemas/event"}, spec, "event")
    if event.get("api_version") != spec["x-source"]["api_version"]:
        errors.append(f"event.api_version: {event.get('api_version')!r}, not {spec['x-source']['api_version']!r}")
    prefix = next((p for p in EVENT_OBJECTS if str(event.get("type")).startswith(p)), None)
    if prefix and isinstance(event.get("data"), dict):
        schema = {"$ref": f"#/components/schemas/{EVENT_OBJECTS[prefix]}"}
        errors += validate(event["data"].get("object"), schema, spec, f"event({event['type']}).data.object")
    return errors


# -- Twilio -------------------------------------------------------------------------------------------------------
def check_twilio_request(method, path, params):
    """``params``: the form of a POST, the query of a GET."""
    spec = load("twilio")
    template, operation = _operation(spec, method, path)
    if not operation:
        return [f"{method} {path}: not an operation of the extract"]
    if method == "POST":
        schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    else:
        query = [p for p in operation.get("parameters", ()) if p["in"] == "query"]
        schema = {
            "type": "object",
            "properties": {p["name"]: p["schema"] for p in query},
            "required": [p["name"] for p in query if p.get("required")],
            "additionalProperties": False,
        }
    return [f"{method} {template} {e}" for e in validate(params, schema, spec, form=True)]


# https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions: Twilio's error answer.
TWILIO_ERROR = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string"},
        "status": {"type": "integer"},
    },
    "additionalProperties": False,
}


def check_twilio_response(method, path, status, body):
    spec = load("twilio")
    template, operation = _operation(spec, method, path)
    if not operation:
        return []
    if status >= 300:
        return [f"{method} {template} answer {status}: {e}" for e in validate(body, TWILIO_ERROR, spec)]
    response = operation["responses"].get(str(status))
    if not response:
        return [f"{method} {template}: answers {status}, Twilio answers {sorted(operation['responses'])}"]
    schema = response["content"]["application/json"]["schema"]
    return [f"{method} {template} answer: {e}" for e in validate(body, schema, spec)]
