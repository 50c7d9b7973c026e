"""The staff inbox: open handoff tickets in a browser, behind a login (`python -m bot inbox`).

Built on Sanic, the web framework Rasa 3.6 already runs (21.12, pinned in the lock): no new
framework, server or event loop to learn, patch and audit, and the same SANIC_* settings and
process handling as the Rasa and action servers. Pages are Jinja2 templates (already in the lock)
with autoescaping on, so patient text is always shown as text. The inbox is its own process on
loopback (127.0.0.1:5010 by default), beside the Rasa server, reading the handoff database through
bot/handoff/ and conversations through runtime/rasa_store.py.
"""
