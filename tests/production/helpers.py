"""Talking to the cluster as a production client does, and reading nginx's access log."""

import json
import urllib.error
import urllib.request

from tools.cluster import Cluster


def post(base_url: str, sender: str, message: str, message_id: str | None = None) -> tuple[int, list]:
    """One REST message the way the production clients send it: the conversation id in the
    X-Conversation-Id header (nginx routes on it), optionally a message id."""
    headers = {"Content-Type": "application/json", "X-Conversation-Id": sender}
    if message_id:
        headers["X-Message-Id"] = message_id
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook", data=json.dumps({"sender": sender, "message": message}).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def access_log_lines(cluster: Cluster) -> list[str]:
    return cluster.access_log.read_text(encoding="utf-8").splitlines()


def upstreams(line: str) -> list[str]:
    """The replicas nginx tried for one request, in order ("upstream=A, B" when it retried)."""
    return line.split(" upstream=", 1)[1].split(" upstream_status=", 1)[0].split(", ")
