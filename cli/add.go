package cli

import (
	"context"
	"flag"

	"ratchat/api"
	"ratchat/ui"
)

var addCommand = &command{
	brief:   "add a contact from their invite",
	name:    "add",
	args:    "INVITE [--name NAME]",
	summary: "Add a contact from their invite: starts a session and sends them your name and home.",
	example: "ratchat add RATCHAT1:... --name Bob",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.name, "name", "", "what to call the contact (default: the name they send)")
	},
	nargs: [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.AddResult
			if err := rpc.Call(context.Background(), "add", api.AddParams{Invite: args[0], Name: c.o.name}, &r); err != nil {
				return err
			}
			if !r.Flushed {
				c.note("The first message is still queued; it goes out as soon as it can.")
			}
			c.noteNotReady(r.Ready)
			c.printf("added %s (id %d)\n", ui.SanitizeLine(r.Contact.Name), r.Contact.ID)
			if r.Contact.Unnamed {
				c.note("They tell you their name with their first answer; until then call them %d, or add again with --name NAME.", r.Contact.ID)
			}
			return nil
		})
	},
}
