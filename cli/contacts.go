package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"ratchat/chat"
	"ratchat/ui"
)

var contactsCommand = &command{
	brief:   "list contacts with unread counts and marks",
	name:    "contacts",
	args:    "",
	summary: "List your contacts: id, name, verification, unread messages and the last one's time.",
	example: "ratchat contacts --profile work",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "print JSON, one object per contact")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withCore(func(m *chat.Messenger) error {
			all, err := m.Summaries(context.Background())
			if err != nil {
				return err
			}
			if c.o.json {
				return c.printJSON(contactsJSON(all))
			}
			w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tVERIFIED\tUNREAD\tLAST")
			for _, s := range all {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", s.Contact.ID, ui.SanitizeLine(chat.DisplayName(s.Contact)),
					verifiedText(s.Contact), s.Unread, lastText(s.LastAt()))
			}
			return w.Flush()
		})
	},
}

// verifiedText says where a contact's verification stands.
func verifiedText(c chat.Contact) string {
	switch {
	case c.Held:
		return "KEY CHANGED"
	case c.Verified:
		return "yes"
	}
	return "no"
}

// lastText formats the time of a chat's last message.
func lastText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// contactJSON is one contact as `contacts --json` prints it.
type contactJSON struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Verified bool      `json:"verified"`
	KeyHeld  bool      `json:"key_changed"`
	Unread   int       `json:"unread"`
	Last     time.Time `json:"last,omitzero"`
	Online   bool      `json:"online"`
}

// contactsJSON is what `contacts --json` prints.
func contactsJSON(all []chat.Summary) []contactJSON {
	out := make([]contactJSON, 0, len(all))
	for _, s := range all {
		out = append(out, contactJSON{ID: int64(s.Contact.ID), Name: chat.DisplayName(s.Contact),
			Verified: s.Contact.Verified, KeyHeld: s.Contact.Held, Unread: s.Unread, Last: s.LastAt(), Online: s.Online})
	}
	return out
}
