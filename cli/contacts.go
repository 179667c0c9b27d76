package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"ratchat/api"
	"ratchat/ui"
)

var contactsCommand = &command{
	brief: "list contacts with unread counts and marks",
	name:  "contacts",
	args:  "",
	summary: "List your contacts: id, name, verification, unread messages and the last one's time;\n" +
		"then the senders you blocked (unblock one with 'ratchat unblock ID').",
	example: "ratchat contacts --profile work",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "print JSON, one object per contact")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.ContactsResult
			if err := rpc.Call(context.Background(), "contacts", api.ContactsParams{Blocked: true}, &r); err != nil {
				return err
			}
			if c.o.json {
				return c.printJSON(r.Contacts)
			}
			w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tVERIFIED\tUNREAD\tLAST")
			blocked := false
			for _, s := range r.Contacts {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", s.ID, ui.SanitizeLine(s.Name),
					verifiedText(s), s.Unread, lastText(s.Last))
				blocked = blocked || s.Blocked
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if blocked {
				c.note("unblock a blocked sender with 'ratchat unblock ID'")
			}
			return nil
		})
	},
}

// verifiedText says where a contact's verification stands.
func verifiedText(c api.Contact) string {
	switch {
	case c.Blocked:
		return "BLOCKED"
	case c.KeyChanged:
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
