package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"ratchat/api"
	"ratchat/chat"
	"ratchat/ui"
)

var messagesCommand = &command{
	brief: "print a chat's history, oldest first",
	name:  "messages",
	args:  "CONTACT|GROUP [-n N] [--json]",
	summary: "Print the newest N rows of a chat (messages, files and the messenger's own lines), oldest first.\n" +
		"In a group's chat each message names its sender (\"sender\" in JSON).",
	example: "ratchat messages Bob -n 20 --json",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.IntVar(&o.count, "n", 50, "how many of the newest rows to print")
		fs.BoolVar(&o.json, "json", false, "print JSON, one object per row")
	},
	nargs: [2]int{1, 1},
	run:   runMessages,
}

// runMessages prints a chat's newest rows.
func runMessages(c *cli, args []string) error {
	if c.o.count <= 0 || c.o.count > api.MaxMessages {
		return usagef("-n wants a number from 1 to %d", api.MaxMessages)
	}
	return c.withAPI(func(rpc caller) error {
		var r api.MessagesResult
		p := api.MessagesParams{Contact: args[0], N: c.o.count}
		if err := rpc.Call(context.Background(), "messages", p, &r); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(r.Messages)
		}
		// Each row starts with the short id that reply, edit, delete and
		// react take.
		for _, m := range r.Messages {
			c.printf("%s  %s  %s\n", m.Sent.Local().Format("2006-01-02 15:04"), m.ID[:chat.ShortIDLen],
				ui.SanitizeLine(rowText(m, r.Contact.Name)))
		}
		return nil
	})
}

// rowText is one row as a line of text.
func rowText(r api.Message, name string) string {
	who := name
	switch {
	case r.Direction == "out":
		who = "me"
	case r.Sender != "":
		who = r.Sender
	}
	if r.Quote != "" {
		who += " (reply to " + r.Quote[:chat.ShortIDLen] + ")"
	}
	switch r.Kind {
	case "text":
		return who + ": " + r.Text + actionsText(r)
	case "file":
		if r.File == nil {
			return who + ": [file]" + actionsText(r)
		}
		return who + ": [file] " + r.File.Name + actionsText(r)
	case "deleted":
		return who + ": this message was deleted"
	case "unsupported":
		return who + ": [a newer ratchat sent something this version cannot show]"
	case "timer":
		if r.Timer == "0s" {
			return "* disappearing messages off"
		}
		return "* disappearing messages: " + r.Timer
	case "membership":
		return "* " + r.Text
	}
	return "* " + r.Kind
}

// actionsText is what follows a message's text: whether it was edited and
// its reactions with their counts.
func actionsText(r api.Message) string {
	var b strings.Builder
	if !r.Edited.IsZero() {
		b.WriteString(" (edited)")
	}
	for _, x := range chat.CountReactions(reactionsOf(r)) {
		fmt.Fprintf(&b, "  %s %d", x.Emoji, x.Count)
	}
	return b.String()
}

// reactionsOf turns the api's reactions into the messenger's.
func reactionsOf(r api.Message) []chat.Reaction {
	out := make([]chat.Reaction, 0, len(r.Reactions))
	for _, x := range r.Reactions {
		from := chat.Incoming
		if x.From == "out" {
			from = chat.Outgoing
		}
		out = append(out, chat.Reaction{From: from, Emoji: x.Emoji})
	}
	return out
}
