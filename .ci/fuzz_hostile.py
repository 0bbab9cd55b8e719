"""Send hostile shapes to every operation of the API schema and every page route; fail on 5xx.

What schemathesis does not generate on its own: JSON nested thousands deep, NUL bytes in
paths, queries and bodies, path segments that look like other routes, and the money shapes
people should not be able to type ("1_000", ".5e1", "12.", full-width digits, "NaN").

    python .ci/fuzz_hostile.py BASE_URL [TOKEN ...]

Each token is tried as one identity, plus one anonymous pass. Prints the count of requests
and every 5xx; exits 1 on any.
"""

import json
import re
import sys
import urllib.parse

import requests

DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
SEGMENTS = ["ab%00c", "a%2Fb", "%3Cscript%3E", "..%2F..%2Fadmin", "99999999999999999999", "-1"]
QUERY_VALUES = ["a\x00b", "<script>alert(1)</script>", "../../admin", "1_000", "1e999", "%", "'"]
MONEY = ["1_000", ".5e1", "12.", "１２３", "NaN", "-0", "1e3", "0x10", "1.234", " ", ""]
PAGES = [
    "/verify/?serial=a/b",
    "/verify/?serial=%3Cscript%3E",
    "/verify/?serial=../../admin",
    "/verify/ab%00c/",
    "/providers/?q=a%00b",
    "/providers/?region=%00",
    "/official/applications/?status=%00",
    "/api/regions/ab%00c/",
    "/api/vouchers/?status=a%00b",
    "/api/providers/?page=%00",
    "/api/providers/?page_size=99999999999999999999",
]


def operations(base: str) -> list[tuple[str, str, dict]]:
    schema = requests.get(f"{base}/api/schema/", params={"format": "json"}, timeout=60).json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path, operation))
    return found


def fill(path: str, segment: str) -> str:
    return re.sub(r"\{[^}]+\}", segment, path)


def bodies(operation: dict) -> list[tuple[str, bytes]]:
    """Deep JSON, NUL bytes, and each money shape in every field of the request body."""
    shapes = [
        ("application/json", DEEP_JSON.encode()),
        ("application/json", DEEP_OBJECT.encode()),
        ("application/json", b'{"note": "a\\u0000b", "reason": "\\u0000"}'),
        ("application/json", b"\x00"),
        ("application/json", b'{"a": 1e999999}'),
    ]
    content = (operation.get("requestBody") or {}).get("content", {})
    schema = (content.get("application/json") or {}).get("schema", {})
    fields = list(_properties(schema, content))
    for value in MONEY:
        shapes.append(("application/json", json.dumps(dict.fromkeys(fields, value)).encode()))
    return shapes


def _properties(schema: dict, content: dict):
    # References point at components; the field names are enough here, so take them from any
    # schema the body names, and fall back to the usual money fields.
    yield from (schema.get("properties") or {}).keys()
    yield from ("amount", "approved_amount", "requested_amount", "contract_amount", "price")


class Sender:
    def __init__(self):
        self.sent = 0
        self.errors: list[str] = []

    def __call__(self, http, method: str, url: str, **kwargs) -> None:
        self.sent += 1
        try:
            response = http.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.errors.append(f"{method} {url[:160]} -> {error.__class__.__name__}")
            return
        if response.status_code >= 500:
            self.errors.append(f"{method} {url[:160]} -> {response.status_code}")


def main() -> int:
    base, tokens = sys.argv[1].rstrip("/"), sys.argv[2:]
    send = Sender()
    ops = operations(base)
    for token in [None, *tokens]:
        http = requests.Session()
        if token:
            http.headers["Authorization"] = f"Token {token}"
        for page in PAGES:
            send(http, "GET", base + page)
        for method, path, operation in ops:
            # Route-like segments once each; the body and query shapes on an ordinary id.
            if "{" in path:
                for segment in SEGMENTS:
                    send(http, method, base + fill(path, segment))
            url = base + fill(path, "1")
            if method == "GET":
                for value in QUERY_VALUES:
                    query = urllib.parse.urlencode({"q": value, "page": value})
                    send(http, "GET", f"{url}?{query}")
                continue
            for content_type, body in bodies(operation):
                send(http, method, url, data=body, headers={"Content-Type": content_type})
        send(
            http,
            "POST",
            f"{base}/api/auth/token/",
            data=DEEP_JSON,
            headers={"Content-Type": "application/json"},
        )
    print(f"hostile shapes: {send.sent} requests, {len(send.errors)} server errors")
    for line in send.errors[:100]:
        print("  ", line)
    return 1 if send.errors else 0


if __name__ == "__main__":
    sys.exit(main())
