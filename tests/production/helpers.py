"""Talking to the cluster as a production client does (a patient over REST, a staff member's browser
over HTTPS), and reading nginx's access log."""

import http.client
import json
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from tests.inbox.conftest import InboxClient
from tools.cluster import Cluster

# The staff account made once per cluster by the `staff_account` fixture (conftest.py).
NAME, DISPLAY_NAME, PASSWORD = "reception.lee", "Lee at reception", "correct horse battery"


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


class HttpsInboxClient(InboxClient):
    """A staff member's browser: HTTPS to nginx's inbox listener, from one loopback address."""

    def __init__(self, cluster: Cluster, source_address: str = "127.0.0.1") -> None:
        url = urlsplit(cluster.inbox_url)
        super().__init__(int(url.port or 443))
        self.host = str(url.hostname)
        self.source_address = source_address
        self.tls = ssl.create_default_context(cafile=str(cluster.tls_certificate))

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection(self.host, self.port, timeout=30, context=self.tls,
                                           source_address=(self.source_address, 0))
