package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"ratchat/api"
	"ratchat/chat"
)

var webhookCommand = &command{
	brief: "post every event to URLs, signed; list, remove, dead letters, replay",
	name:  "webhook",
	args:  "add URL [--secret S] | list [--json] | remove ID | dead [--webhook ID] [--json] | replay ID|--all [--webhook ID]",
	summary: "Webhooks: while 'ratchat serve' runs, every event (messages, statuses, contacts, key changes ...)\n" +
		"is POSTed as JSON to each webhook's URL, in order, signed with its secret (header\n" +
		"X-Ratchat-Signature: v1=HMAC-SHA256(secret, timestamp.body); see docs/API.md). A failed\n" +
		"delivery is retried with a growing backoff (1 s doubling to 1 h) for 7 days, then the event\n" +
		"goes to the dead letters ('dead') and the next one is delivered; 'replay' delivers dead letters\n" +
		"again. 'add' makes a secret unless given one, and prints it this once.",
	example: "ratchat webhook add https://desk.example.com/ratchat   then   ratchat webhook list",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "'list', 'dead': print JSON")
		fs.StringVar(&o.hookSecret, "secret", "", "'add': the `SECRET` to sign with (default: a new random one)")
		fs.BoolVar(&o.hookAll, "all", false, "'replay': every dead letter (of --webhook, if given)")
		fs.Int64Var(&o.hookID, "webhook", 0, "'dead', 'replay --all': only this webhook's `ID`")
	},
	nargs: [2]int{1, 2},
	run:   runWebhook,
}

// webhookUsage is the usage of each subcommand: its arguments, and the
// least and most of them.
var webhookUsage = map[string]struct {
	args   string
	lo, hi int
}{
	"add":    {"URL [--secret S]", 1, 1},
	"list":   {"[--json]", 0, 0},
	"remove": {"ID", 1, 1},
	"dead":   {"[--webhook ID] [--json]", 0, 0},
	"replay": {"ID | --all [--webhook ID]", 0, 1},
}

// runWebhook checks a webhook subcommand's arguments and runs it.
func runWebhook(c *cli, args []string) error {
	sub, rest := args[0], args[1:]
	u, ok := webhookUsage[sub]
	if !ok {
		return usagef("usage: ratchat webhook add|list|remove|dead|replay ... (see 'ratchat help webhook')")
	}
	if len(rest) < u.lo || len(rest) > u.hi {
		return usagef("usage: ratchat webhook %s %s", sub, u.args)
	}
	if c.o.json && sub != "list" && sub != "dead" {
		return usagef("--json goes with 'webhook list' and 'webhook dead'")
	}
	var id int64
	if len(rest) == 1 && sub != "add" {
		n, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || n <= 0 {
			return usagef("%q is no id", rest[0])
		}
		id = n
	}
	if sub == "replay" && (id == 0) == !c.o.hookAll {
		return usagef("usage: ratchat webhook replay %s", u.args)
	}
	return c.withAPI(func(rpc caller) error {
		switch sub {
		case "add":
			return c.webhookAdd(rpc, rest[0])
		case "list":
			return c.webhookList(rpc)
		case "remove":
			if err := rpc.Call(context.Background(), "webhook.remove", api.WebhookParams{ID: id}, nil); err != nil {
				return err
			}
			c.printf("removed webhook %d\n", id)
			return nil
		case "dead":
			return c.webhookDead(rpc)
		default:
			var r api.WebhookReplayResult
			p := api.WebhookReplayParams{ID: id, All: c.o.hookAll, Webhook: c.o.hookID}
			if err := rpc.Call(context.Background(), "webhook.replay", p, &r); err != nil {
				return err
			}
			c.printf("queued %d dead letters for a replay\n", r.Queued)
			c.note("They are delivered while 'ratchat serve' runs; one that fails again returns to 'webhook dead'.")
			return nil
		}
	})
}

// webhookAdd adds a webhook and prints its secret, this once.
func (c *cli) webhookAdd(rpc caller, url string) error {
	var r api.WebhookAddResult
	err := rpc.Call(context.Background(), "webhook.add", api.WebhookAddParams{URL: url, Secret: c.o.hookSecret}, &r)
	if errors.Is(err, chat.ErrInvalidWebhook) {
		return usagef("%v", err) // a typo in the command line
	}
	if err != nil {
		return err
	}
	c.printf("added webhook %d\nsecret: %s\n", r.Webhook.ID, r.Secret)
	c.note("Keep the secret: receivers check X-Ratchat-Signature with it. It is not shown again.")
	return nil
}

// webhookList prints the webhooks.
func (c *cli) webhookList(rpc caller) error {
	var r api.WebhookListResult
	if err := rpc.Call(context.Background(), "webhook.list", api.WebhookListParams{}, &r); err != nil {
		return err
	}
	if c.o.json {
		return c.printJSON(r.Webhooks)
	}
	w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tURL\tDEAD\tFAILING")
	for _, h := range r.Webhooks {
		failing := "-"
		if h.Failing != nil {
			failing = fmt.Sprintf("event %d, %d attempts since %s", h.Failing.Seq, h.Failing.Attempts,
				h.Failing.Since.Local().Format(time.DateTime))
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\n", h.ID, h.URL, h.Dead, failing)
	}
	return w.Flush()
}

// webhookDead prints the dead letters.
func (c *cli) webhookDead(rpc caller) error {
	var r api.WebhookDeadResult
	if err := rpc.Call(context.Background(), "webhook.dead", api.WebhookDeadParams{Webhook: c.o.hookID}, &r); err != nil {
		return err
	}
	if c.o.json {
		return c.printJSON(r.Letters)
	}
	w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tWEBHOOK\tEVENT\tTYPE\tATTEMPTS\tDEAD SINCE\tREPLAY\tERROR")
	for _, l := range r.Letters {
		replay := ""
		if l.Replay {
			replay = "queued"
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", l.ID, l.Webhook, l.EventID, l.Type, l.Attempts,
			l.DeadAt.Local().Format(time.DateTime), replay, l.Error)
	}
	return w.Flush()
}
