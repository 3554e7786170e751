"""Regenerate the trimmed extracts of Stripe's and Twilio's API descriptions that the contract tests hold the
sandbox to (``stripe_openapi_extract.json``, ``twilio_openapi_extract.json``, next to this file).

    python -m fap_sandbox.contracts.build_extracts --twilio-oai <checkout of github.com/twilio/twilio-oai> \\
        [--stripe-openapi <checkout of github.com/stripe/openapi>]

Stripe: the calls and objects come from the types of the installed ``stripe`` SDK (the version pinned in
requirements.txt), which Stripe generates from its OpenAPI description (github.com/stripe/openapi, MIT) for the
API version the SDK pins: ``stripe.params.*Params`` for the requests, the resource classes for the objects. Its
``Literal`` values are the spec's enums (the SDK adds ``|str`` only to accept values added later); ``NotRequired``
marks an optional parameter; a field typed ``Optional`` is nullable (or absent), any other is required. The
published ``openapi/spec3.json`` is not copied (several MB); ``--stripe-openapi`` records the newest published
checkout seen, whose API version may be older than the SDK's.

Twilio: ``spec/json/twilio_api_v2010.json`` of twilio-oai (Apache-2.0): the three Messages operations and the
Message resource, copied as they are. Twilio's schema declares no ``required`` field; its own example answers
carry every field, so the fields of the operation's example are written as required.

Only the paths and schemas the product and the sandbox use are kept; nothing else of either description.
"""

import argparse
import json
import subprocess
import sys
import types
import typing
from decimal import Decimal
from pathlib import Path

import typing_extensions

HERE = Path(__file__).parent
STRIPE_EXTRACT = HERE / "stripe_openapi_extract.json"
TWILIO_EXTRACT = HERE / "twilio_openapi_extract.json"

# -- Stripe -------------------------------------------------------------------------------------------------------
# (method, path) -> (params class, answer): the calls of payment_stripe_checkout (and the sandbox's routes).
STRIPE_OPERATIONS = {
    ("post", "/v1/checkout/sessions"): ("stripe.params.checkout.SessionCreateParams", "checkout.session"),
    ("get", "/v1/checkout/sessions"): ("stripe.params.checkout.SessionListParams", "list:checkout.session"),
    ("get", "/v1/checkout/sessions/{session}"): ("stripe.params.checkout.SessionRetrieveParams", "checkout.session"),
    ("post", "/v1/checkout/sessions/{session}/expire"): (
        "stripe.params.checkout.SessionExpireParams",
        "checkout.session",
    ),
    ("get", "/v1/payment_intents/{intent}"): ("stripe.params.PaymentIntentRetrieveParams", "payment_intent"),
    ("get", "/v1/charges/{charge}"): ("stripe.params.ChargeRetrieveParams", "charge"),
    ("post", "/v1/refunds"): ("stripe.params.RefundCreateParams", "refund"),
    ("get", "/v1/refunds"): ("stripe.params.RefundListParams", "list:refund"),
    ("get", "/v1/refunds/{refund}"): ("stripe.params.RefundRetrieveParams", "refund"),
    ("get", "/v1/events/{id}"): ("stripe.params.EventRetrieveParams", "event"),
}
STRIPE_RESOURCES = {
    "checkout.session": "stripe.checkout.Session",
    "payment_intent": "stripe.PaymentIntent",
    "charge": "stripe.Charge",
    "refund": "stripe.Refund",
    "event": "stripe.Event",
}
# Subtrees that list one entry per payment method: only the methods the product offers are described, the
# others are left open (``{}``: anything); the extract stays small.
PAYMENT_METHOD_SUBTREES = ("PaymentMethodDetails", "PaymentMethodOptions")
PAYMENT_METHODS_KEPT = {"type", "card", "acss_debit"}
# Objects neither the product reads nor the sandbox writes, left open too (the SDK classes' qualified names).
OPEN_OBJECTS = {
    "PaymentIntent.NextAction",
    "PaymentIntent.LastPaymentError.PaymentMethod",
    "PaymentIntent.LastPaymentError.Source",
    "Refund.DestinationDetails",
    "Refund.NextAction",
}
# Objects whose ``type`` names the property holding its details.
TYPED_HASHES = {"Charge.PaymentMethodDetails", "Charge.PaymentMethodDetails.Card.Wallet"}
OPEN = {}  # anything: see "open" in the extract's x-source


SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number", Decimal: "number"}


def _resolve(name, owner):
    """A forward reference of the SDK (a name it imports only for type checkers) to its class."""
    import stripe

    module = sys.modules[owner.__module__]
    for candidate in (name, name.removesuffix("Resource")):
        if candidate in vars(module):
            return vars(module)[candidate]
        if hasattr(stripe, candidate):
            return getattr(stripe, candidate)
        for sub in ("checkout",):
            if hasattr(getattr(stripe, sub), candidate):
                return getattr(getattr(stripe, sub), candidate)
    raise LookupError(f"{name} (from {owner.__qualname__})")


class StripeSchemas:
    def __init__(self):
        import stripe

        self.stripe = stripe
        self.components = {}
        self.resource_names = {}
        for name, dotted in STRIPE_RESOURCES.items():
            self.resource_names[self._import(dotted)] = name

    @staticmethod
    def _import(dotted):
        module, _sep, name = dotted.rpartition(".")
        __import__(module)
        return getattr(sys.modules[module], name)

    def _hint(self, hint, owner):
        """Evaluate a string annotation of ``owner``'s module (``"Literal['']|str"``, ``"PaymentIntent"``)."""
        if isinstance(hint, typing.ForwardRef):
            hint = hint.__forward_arg__
        if not isinstance(hint, str):
            return hint
        namespace = dict(vars(self.stripe.params.checkout), **vars(sys.modules[owner.__module__]))
        namespace.update(typing.__dict__)
        namespace["Literal"] = typing.Literal
        while True:
            try:
                return eval(hint, namespace)
            except NameError as error:
                namespace[error.name] = _resolve(error.name, owner)

    def schema(self, hint, owner, trail=()):
        hint = self._hint(hint, owner)
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint is typing.Any:
            return {}
        if origin in (typing.Union, types.UnionType):
            return self._union(args, owner, trail)
        if origin in (typing.Literal, typing_extensions.Literal):
            return {"type": "string" if isinstance(args[0], str) else "integer", "enum": list(args)}
        if origin in (list, typing.List):  # noqa: UP006
            return {"type": "array", "items": self.schema(args[0], owner, trail)}
        if origin in (dict, typing.Dict):  # noqa: UP006
            return {"type": "object", "additionalProperties": self.schema(args[1], owner, trail)}
        if hint in SCALARS:
            return {"type": SCALARS[hint]}
        name = getattr(origin or hint, "__name__", "")
        if name == "UntypedStripeObject":
            return {"type": "object", "additionalProperties": self.schema(args[0], owner, trail) if args else {}}
        if name == "ListObject":
            return {
                "type": "object",
                "properties": {
                    "object": {"type": "string", "enum": ["list"]},
                    "data": {"type": "array", "items": self.schema(args[0], owner, trail)},
                    "has_more": {"type": "boolean"},
                    "url": {"type": "string"},
                },
                "required": ["object", "data", "has_more", "url"],
                "additionalProperties": False,
            }
        if isinstance(hint, type) and hint in self.resource_names:
            return {"$ref": f"#/components/schemas/{self.resource_names[hint]}"}
        if isinstance(hint, type) and issubclass(hint, self.stripe.APIResource):
            return {"type": "string", "description": f"the id of a {hint.__name__} (not described in this extract)"}
        if isinstance(hint, type) and typing_extensions.is_typeddict(hint):
            return self.params(hint, trail)
        if isinstance(hint, type) and hint.__qualname__ in OPEN_OBJECTS:
            return dict(OPEN)
        if isinstance(hint, type) and issubclass(hint, self.stripe.StripeObject):
            return self.object(hint, trail)
        raise TypeError(f"no schema for {hint!r} in {owner}")

    def _union(self, args, owner, trail):
        args = [self._hint(arg, owner) for arg in args]
        nullable = type(None) in args
        args = [arg for arg in args if arg is not type(None)]
        literals = [value for arg in args if typing.get_origin(arg) is typing.Literal for value in typing.get_args(arg)]
        others = [arg for arg in args if typing.get_origin(arg) is not typing.Literal]
        if literals and set(literals) != {""} and all(arg is str for arg in others):
            # ``Literal[...]|str``: the spec's enum, the SDK's ``str`` only for values added after its release.
            schema = {"type": "string", "enum": literals}
        else:
            schemas = [self.schema(arg, owner, trail) for arg in others]
            if literals:
                schemas.append({"type": "string", "enum": literals})
            unique = [s for i, s in enumerate(schemas) if s not in schemas[:i]]
            schema = unique[0] if len(unique) == 1 else {"anyOf": unique}
        if nullable:
            schema = dict(schema, nullable=True)
        return schema

    def params(self, cls, trail=()):
        from stripe._request_options import RequestOptions

        # A TypedDict's annotations hold its bases' too: the SDK's request options are no API parameters.
        skipped = set(RequestOptions.__annotations__)
        properties, required = {}, []
        for key, hint in cls.__annotations__.items():
            if key in skipped:
                continue
            if cls.__name__.endswith(PAYMENT_METHOD_SUBTREES) and key not in PAYMENT_METHODS_KEPT:
                properties[key] = dict(OPEN)
                continue
            hint = self._hint(hint, cls)
            if typing.get_origin(hint) in (typing.NotRequired, typing_extensions.NotRequired):
                hint = typing.get_args(hint)[0]
            else:
                required.append(key)
            properties[key] = self.schema(hint, cls, (*trail, key))
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = sorted(required)
        return schema

    def object(self, cls, trail=()):
        annotations = {k: v for k, v in vars(cls).get("__annotations__", {}).items() if not k.startswith("_")}
        annotations.pop("OBJECT_NAME", None)
        kept = set(annotations)
        if cls.__name__ in PAYMENT_METHOD_SUBTREES:
            kept = PAYMENT_METHODS_KEPT & kept
        properties, required = {}, []
        for key in sorted(annotations):
            if key not in kept:
                properties[key] = dict(OPEN)
                continue
            hint = self._hint(annotations[key], cls)
            schema = self.schema(hint, cls, (*trail, key))
            properties[key] = schema
            if not schema.get("nullable"):
                required.append(key)
        schema = {"type": "object", "properties": properties, "additionalProperties": False, "required": required}
        if cls.__qualname__ in TYPED_HASHES:
            # « An additional hash is included on payment_method_details [on the Wallet subhash] with a name
            # matching this value. »: the type names one of the object's properties.
            if cls.__name__ == "PaymentMethodDetails":
                properties["type"]["enum"] = sorted(k for k in annotations if k != "type")
            schema["x-type-names-a-property"] = True
        return schema

    def build(self):
        for name, dotted in STRIPE_RESOURCES.items():
            self.components[name] = self.object(self._import(dotted))
        paths = {}
        for (method, path), (params, answer) in STRIPE_OPERATIONS.items():
            if answer.startswith("list:"):
                item = {"$ref": f"#/components/schemas/{answer[5:]}"}
                response = {
                    "type": "object",
                    "properties": {
                        "object": {"type": "string", "enum": ["list"]},
                        "data": {"type": "array", "items": item},
                        "has_more": {"type": "boolean"},
                        "url": {"type": "string"},
                    },
                    "required": ["data", "has_more", "object", "url"],
                    "additionalProperties": False,
                }
            else:
                response = {"$ref": f"#/components/schemas/{answer}"}
            paths.setdefault(path, {})[method] = {
                "x-sdk-params": params.rpartition(".")[2],
                "parameters": self.params(self._import(params)),
                "response": response,
            }
        return paths


def stripe_extract(openapi_checkout=None):
    import stripe

    source = {
        "description": "Stripe's API, as the stripe SDK pinned by this project types it (generated by Stripe from "
        "its OpenAPI description, github.com/stripe/openapi, MIT License, Copyright (c) 2011- Stripe, Inc.)",
        "sdk": f"stripe=={stripe.VERSION} (PyPI)",
        "api_version": stripe.api_version,
        "trimmed_to": "the calls of payment_stripe_checkout and the objects the sandbox returns",
        "open": "a property described as {} is Stripe's but not described here: the details of the payment "
        "methods other than card and acss_debit, and " + ", ".join(sorted(OPEN_OBJECTS)),
    }
    if openapi_checkout:
        # The newest published description seen, for the record: when its API version is older than the SDK's,
        # the SDK's types (generated from the description of its own version) are the ones to follow.
        git = ["git", "-C", str(openapi_checkout)]
        source["published_description_seen"] = {
            "repository": "https://github.com/stripe/openapi",
            "commit": subprocess.check_output([*git, "rev-parse", "HEAD"], text=True).strip(),
            "tag": subprocess.check_output([*git, "describe", "--tags", "--always"], text=True).strip(),
            "date": subprocess.check_output([*git, "log", "-1", "--format=%cs"], text=True).strip(),
        }
    schemas = StripeSchemas()
    paths = schemas.build()
    return {"x-source": source, "paths": paths, "components": {"schemas": schemas.components}}


# -- Twilio -------------------------------------------------------------------------------------------------------
TWILIO_SPEC = "spec/json/twilio_api_v2010.json"
TWILIO_PATHS = {
    "/2010-04-01/Accounts/{AccountSid}/Messages.json": ("get", "post"),
    "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json": ("get",),
}
TWILIO_SCHEMAS = ("api.v2010.account.message",)


def _twilio_refs(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _twilio_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _twilio_refs(value, found)


def _strip_descriptions(node):
    if isinstance(node, dict):
        return {k: _strip_descriptions(v) for k, v in node.items() if k not in ("description", "examples", "summary")}
    if isinstance(node, list):
        return [_strip_descriptions(v) for v in node]
    return node


def twilio_extract(checkout):
    git = ["git", "-C", str(checkout)]
    spec = json.loads(subprocess.check_output([*git, "show", f"HEAD:{TWILIO_SPEC}"]))
    paths = {}
    for path, methods in TWILIO_PATHS.items():
        paths[path] = {}
        for method in methods:
            operation = spec["paths"][path][method]
            # The fields of Twilio's own example answer: the fields every answer carries.
            examples = {}
            for status, response in operation["responses"].items():
                for example in response["content"]["application/json"].get("examples", {}).values():
                    examples[status] = sorted(example["value"])
            paths[path][method] = dict(_strip_descriptions(operation), **{"x-example-fields": examples})
    schemas, seen = {}, set(TWILIO_SCHEMAS)
    _twilio_refs(paths, seen)
    while seen - set(schemas):
        for name in sorted(seen - set(schemas)):
            schemas[name] = _strip_descriptions(spec["components"]["schemas"][name])
            _twilio_refs(schemas[name], seen)
    message = schemas["api.v2010.account.message"]
    create_example = paths["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]["x-example-fields"]["201"]
    message["required"] = create_example
    return {
        "x-source": {
            "description": "Twilio's Messages API (2010-04-01), trimmed from Twilio's OpenAPI description "
            "(Apache License 2.0)",
            "repository": "https://github.com/twilio/twilio-oai",
            "file": TWILIO_SPEC,
            "commit": subprocess.check_output([*git, "rev-parse", "HEAD"], text=True).strip(),
            "commit_date": subprocess.check_output([*git, "log", "-1", "--format=%cs"], text=True).strip(),
            "info_version": spec["info"]["version"],
            "required": "the Message's required fields are those of Twilio's example answer to a create",
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _write(path, data):
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{path}: {path.stat().st_size} bytes")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--twilio-oai", type=Path, help="a git checkout of github.com/twilio/twilio-oai")
    parser.add_argument("--stripe-openapi", type=Path, help="a git checkout of github.com/stripe/openapi")
    args = parser.parse_args(argv)
    _write(STRIPE_EXTRACT, stripe_extract(args.stripe_openapi))
    if args.twilio_oai:
        _write(TWILIO_EXTRACT, twilio_extract(args.twilio_oai))


if __name__ == "__main__":
    main()
