package cli

import (
	"context"
	"flag"
	"time"

	"ratchat/chat"
	"ratchat/ui"
)

// maxMessagesShown bounds -n.
const maxMessagesShown = 100_000

var messagesCommand = &command{
	brief:   "print a chat's history, oldest first",
	name:    "messages",
	args:    "CONTACT [-n N] [--json]",
	summary: "Print the newest N rows of a chat (messages, files and the messenger's own lines), oldest first.",
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
	if c.o.count <= 0 || c.o.count > maxMessagesShown {
		return usagef("-n wants a number from 1 to %d", maxMessagesShown)
	}
	return c.withCore(func(m *chat.Messenger) error {
		ctx := context.Background()
		contact, err := m.FindContact(ctx, args[0])
		if err != nil {
			return err
		}
		rows, err := newestRows(ctx, m, contact.ID, c.o.count)
		if err != nil {
			return err
		}
		if c.o.json {
			out := make([]messageJSON, 0, len(rows))
			for _, r := range rows {
				out = append(out, newMessageJSON(r))
			}
			return c.printJSON(out)
		}
		name := chat.DisplayName(contact)
		for _, r := range rows {
			c.printf("%s  %s\n", r.Sent.Local().Format("2006-01-02 15:04"), ui.SanitizeLine(rowText(r, name)))
		}
		return nil
	})
}

// newestRows reads the newest n rows of a chat, oldest first, a page at a
// time.
func newestRows(ctx context.Context, m *chat.Messenger, id chat.ContactID, n int) ([]chat.Message, error) {
	var out []chat.Message
	var cur chat.Cursor
	for len(out) < n {
		page, prev, err := m.Messages(ctx, id, cur, min(n-len(out), 1000))
		if err != nil {
			return nil, err
		}
		out = append(page, out...)
		if prev == 0 || len(page) == 0 {
			break
		}
		cur = prev
	}
	return out, nil
}

// messageJSON is one row as `messages --json` prints it.
type messageJSON struct {
	Seq       int64          `json:"seq"`
	ID        string         `json:"id"`
	Direction string         `json:"direction"`
	Kind      string         `json:"kind"`
	Text      string         `json:"text,omitempty"`
	Sent      time.Time      `json:"sent"`
	Received  time.Time      `json:"received"`
	Status    string         `json:"status,omitempty"`
	Timer     string         `json:"timer,omitempty"`
	File      *chat.FileInfo `json:"file,omitempty"`
}

func newMessageJSON(r chat.Message) messageJSON {
	j := messageJSON{Seq: r.Seq, ID: hexID(r.ID), Direction: directionText(r.Direction), Kind: kindText(r.Kind),
		Text: string(r.Body), Sent: r.Sent, Received: r.Received, File: r.File}
	if r.Direction == chat.Outgoing {
		j.Status = statusText(r.Status)
	}
	if r.Kind == chat.RowTimer {
		j.Timer = r.Timer.String()
	}
	return j
}

// rowText is one row as a line of text.
func rowText(r chat.Message, name string) string {
	who := name
	if r.Direction == chat.Outgoing {
		who = "me"
	}
	switch r.Kind {
	case chat.RowText:
		return who + ": " + string(r.Body)
	case chat.RowFile:
		return who + ": [file] " + r.File.Name
	case chat.RowTimer:
		if r.Timer == 0 {
			return "* disappearing messages off"
		}
		return "* disappearing messages: " + r.Timer.String()
	}
	return "* " + kindText(r.Kind)
}
