"""Every operation's refusals in the schema, so that clients (and Schemathesis) know their shape:
all are `Error` (api.serializers.ErrorSerializer)."""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail"],
}
REASONS = {
    "400": "The request breaks a rule or a field is not valid; the reasons are given.",
    "401": "No valid token or session.",
    "403": "Your role may not do this.",
    "404": "Nothing with this id is in your reach (or the page is past the last).",
    "405": "The method is not allowed here.",
    "406": "Only JSON is served.",
    "415": "Only JSON is read.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "405", "406"]
            if method in {"post", "put", "patch"}:
                codes.append("415")
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": REASONS[code],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
