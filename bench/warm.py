"""Warms Kiosk's article cache through check-batch (100 ids a request)."""
import http.client
import json
import sys

port, key, articles = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
for start in range(1, articles + 1, 100):
    ids = [f"art-{i}" for i in range(start, min(start + 100, articles + 1))]
    conn.request("POST", "/v1/access/check-batch", json.dumps({"article_ids": ids}), headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"warm-up failed: {response.status}")
