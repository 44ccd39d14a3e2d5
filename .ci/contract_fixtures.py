"""Creates one of each resource on a `serve --demo` server from the OpenAPI document's own
request examples (the demo menu is the one they name), and prints the schemathesis
`[parameters]` that point the fuzzer at them, so that it reaches past the 404s.
Usage: contract_fixtures.py BASE PARTNER_TOKEN ADMIN_TOKEN docs/openapi.json"""
import datetime
import json
import sys
import time
import urllib.request

base, token, admin, doc_path = sys.argv[1:5]
doc = json.load(open(doc_path))
OUTLET = "G000012345"


def example(path, method):
    content = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
    if "example" in content:
        return content["example"]
    ref = content["schema"]["$ref"].split("/")[-1]
    return doc["components"]["schemas"][ref]["example"]


def call(method, template, body=None, bearer=token, headers=None):
    path = template.replace("{outlet_id}", OUTLET)
    req = urllib.request.Request(base + path, method=method.upper(),
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Authorization", "Bearer " + bearer)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)["data"]
    except urllib.error.HTTPError as e:
        sys.exit(f"fixture {method.upper()} {path} failed: {e.code} {e.read()[:500]!r}")


def create(method, template, bearer=token, headers=None, edit=None):
    body = example(template, method)
    if edit:
        edit(body)
    return call(method, template, body, bearer, headers)


# A subscription first, so that the order below makes deliveries.
# The demo outlet accepts orders itself, so `merchant_accepted` follows the order at once.
create("post", "/integrations/partner/v1/notification-subscriptions",
       edit=lambda b: b.update(event="gofood.order.merchant_accepted"))
order = create("post", "/sandbox/v1/outlets/{outlet_id}/orders", admin)["order"]
number = order["order"]["order_number"]
pay = create("post", "/integrations/payment/outlets/{outlet_id}/v2/transactions",
             headers={"Idempotency-Key": f"contract-{time.time_ns()}"})
today = datetime.date.today()


def future(body):
    body["promo_detail"]["start_date"] = (today + datetime.timedelta(days=1)).isoformat()
    body["promo_detail"]["end_date"] = (today + datetime.timedelta(days=8)).isoformat()


promo = create("post", "/integrations/promo/outlets/{outlet_id}/v1/food-promos",
               headers={"X-Idempotency-Key": f"contract-{time.time_ns()}"}, edit=future)
promo_id = promo["success"][0]["id"]
sale = create("post", "/sandbox/v1/outlets/{outlet_id}/moka/sales", admin)["sale"]
partner = call("get", "/sandbox/v1/partners", bearer=admin)["partners"][0]["id"]
merchant = call("get", "/sandbox/v1/merchants", bearer=admin)["merchants"][0]["id"]
deliveries = []
for _ in range(50):
    deliveries = call("get", "/sandbox/v1/deliveries", bearer=admin)["deliveries"]
    if deliveries:
        break
    time.sleep(0.1)
if not deliveries:
    sys.exit("fixture: the order made no delivery")

params = {
    "path.outlet_id": OUTLET,
    "path.order_id": number,
    "path.order_number": number,
    "path.order_type": "delivery",
    "path.id": pay["transaction"]["id"],
    "path.promotion_id": promo_id,
    "path.sale_id": sale["id"],
    "path.partner_id": partner,
    "path.merchant_id": merchant,
    "path.business_id": merchant,
    "path.delivery_id": deliveries[0]["id"],
    "query.entity_id": number,
}
print("[parameters]")
for k, v in params.items():
    print(f'"{k}" = {json.dumps(v)}')
