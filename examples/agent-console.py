#!/usr/bin/env python3
"""An agent's console for `ratchat serve --http`: the conversations assigned
to this agent, their history, and replies, over JSON-RPC with an agent
token. An agent sees only its own conversations; the customer sees the
business, not the agent (unless serve runs with --sign-agents).

    RATCHAT_URL=http://127.0.0.1:8080 RATCHAT_TOKEN=rct_... ./agent-console.py

Commands: list | open ID | say TEXT | close | quit. Standard library only.
"""
import json
import os
import urllib.request

URL = os.environ.get("RATCHAT_URL", "http://127.0.0.1:8080").rstrip("/") + "/rpc"
TOKEN = os.environ["RATCHAT_TOKEN"]


def call(method, params, _ids=iter(range(1, 1 << 62))):
    body = json.dumps({"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}).encode()
    req = urllib.request.Request(URL, body, {"Content-Type": "application/json",
                                             "Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(req, timeout=30) as resp:
        out = json.load(resp)
    if "error" in out:
        raise APIError(out["error"]["code"], out["error"]["message"])
    return out["result"]


class APIError(RuntimeError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


NOT_ACCEPTED = 9  # a message request: the business has not answered this customer yet


def show(contact):
    hist = call("messages", {"contact": contact, "n": 20})
    print("--- %s" % hist["contact"]["name"])
    for m in hist["messages"]:
        who = "you" if m["direction"] == "out" else hist["contact"]["name"]
        print("%s  %-10s %s" % (m["sent"][11:16], who, m.get("text", "[" + m["kind"] + "]")))
    call("conversation.read", {"contact": contact})


def main():
    current = None
    print(__doc__.split("\n\n")[-1])
    while True:
        try:
            line = input("%s> " % (current or "")).strip()
        except EOFError:
            return
        cmd, _, arg = line.partition(" ")
        try:
            if cmd == "list":
                for c in call("conversations.mine", {})["conversations"]:
                    print("%6d  %-20s unread %d" % (c["contact"]["id"], c["contact"]["name"], c["contact"]["unread"]))
            elif cmd == "open" and arg:
                show(arg)
                current = arg
            elif cmd == "say" and current and arg:
                try:
                    call("send", {"contact": current, "text": arg, "wait_seconds": 10})
                except APIError as e:
                    if e.code != NOT_ACCEPTED:
                        raise
                    call("accept", {"contact": current})  # a new customer: answering takes the conversation
                    print("(accepted %s's message request)" % current)
                    call("send", {"contact": current, "text": arg, "wait_seconds": 10})
                show(current)
            elif cmd == "close" and current:
                call("conversation.close", {"contact": current})
                current = None
            elif cmd in ("quit", "exit"):
                return
            elif cmd:
                print("commands: list | open ID | say TEXT | close | quit")
        except (RuntimeError, OSError) as e:
            print("error:", e)


if __name__ == "__main__":
    main()
