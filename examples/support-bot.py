#!/usr/bin/env python3
"""A support desk bot for `ratchat serve --http`: it answers customers'
common questions and leaves the rest to the human agents.

It reads the profile's durable event log from its own consumer cursor
(events.read, long-polling) and acknowledges each event once handled, so a
restart of the bot or of ratchat neither misses nor repeats a question.

    RATCHAT_URL=http://127.0.0.1:8080 RATCHAT_TOKEN=rct_... ./support-bot.py

Python 3.8+ standard library only.
"""
import http.client
import json
import os
import sys
import time
import urllib.request

URL = os.environ.get("RATCHAT_URL", "http://127.0.0.1:8080").rstrip("/") + "/rpc"
TOKEN = os.environ["RATCHAT_TOKEN"]
CONSUMER = os.environ.get("RATCHAT_CONSUMER", "support-bot")

ANSWERS = [  # (words any of which triggers the answer, the answer)
    (("hours", "open", "opening"), "We are open Monday to Friday, 9:00 to 17:00."),
    (("refund", "return"), "Refunds take 5 working days; an agent will confirm yours here."),
    (("hello", "hi", "hey"), "Hello! Ask about opening hours or refunds, or wait for an agent."),
]


def call(method, params, _ids=iter(range(1, 1 << 62))):
    """One JSON-RPC 2.0 call over HTTP; raises on a JSON-RPC error."""
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}).encode()
    req = urllib.request.Request(URL, body, {"Content-Type": "application/json",
                                             "Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req, timeout=90) as resp:
        out = json.load(resp)
    if "error" in out:
        raise RuntimeError("%s: %s" % (method, out["error"]["message"]))
    return out["result"]


def answer(text):
    words = set(text.lower().replace("?", " ").replace(",", " ").split())
    for triggers, reply in ANSWERS:
        if words & set(triggers):
            return reply
    return None


def serve():
    """Answers the events past the cursor, until a call fails."""
    while True:
        batch = call("events.read", {"consumer": CONSUMER, "n": 100, "wait_seconds": 30})
        for ev in batch["events"]:
            msg = ev.get("message") or {}
            if ev["type"] == "message.received" and msg.get("text") and not ev["contact"].get("group"):
                reply = answer(msg["text"])
                if reply and ev.get("request"):  # a new customer: take the conversation
                    call("accept", {"contact": str(ev["contact"]["id"])})
                if reply:
                    call("reply", {"contact": str(ev["contact"]["id"]), "message": msg["id"], "text": reply})
                    print("answered %s in chat %s" % (msg["id"][:8], ev["contact"]["id"]), flush=True)
            call("events.ack", {"consumer": CONSUMER, "seq": ev["seq"]})


def main():
    print("support-bot: answering through %s as event consumer %r" % (URL, CONSUMER), flush=True)
    pause, failed = 1, 0.0
    while True:
        try:
            serve()
        except (OSError, http.client.HTTPException) as err:
            # ratchat restarting, or the network: the cursor keeps our place.
            if time.monotonic() - failed > 60:  # not a run of failures: start over
                pause = 1
            failed = time.monotonic()
            print("support-bot: %s; trying again in %d s" % (err, pause), file=sys.stderr, flush=True)
            time.sleep(pause)
            pause = min(pause * 2, 30)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
