package cli

import (
	"context"
	"flag"

	"ratchat/chat"
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
		return c.withCore(func(m *chat.Messenger) error {
			ctx, cancel := context.WithTimeout(context.Background(), flushWait)
			defer cancel()
			sc, err := m.AddContact(ctx, args[0], c.o.name)
			if err != nil {
				return err
			}
			c.waitReady(m)
			if !m.Flush(ctx) {
				c.note("The first message is still queued; it goes out the next time ratchat runs.")
			}
			c.printf("added %s (id %d)\n", ui.SanitizeLine(chat.DisplayName(sc)), sc.ID)
			return nil
		})
	},
}
