package cli

import (
	"context"
	"flag"

	"ratchat/api"
)

var removeCommand = &command{
	brief: "remove a contact, with its chat unless told to keep it",
	name:  "remove",
	args:  "CONTACT [--keep-history]",
	summary: "Remove CONTACT (id or name): it leaves your contacts, the tokens you gave it are revoked\n" +
		"(your home refuses what it sends), and its chat is deleted unless --keep-history. If it\n" +
		"writes to you again from your invite, it arrives as a message request.",
	example: "ratchat remove Bob --keep-history",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.keepHistory, "keep-history", false, "keep the chat (searchable and exportable by the contact's id)")
	},
	nargs: [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RemoveResult
			p := api.RemoveParams{Contact: args[0], KeepHistory: c.o.keepHistory}
			if err := rpc.Call(context.Background(), "remove", p, &r); err != nil {
				return err
			}
			if r.KeptHistory {
				c.printf("removed %d (its chat kept)\n", r.ID)
			} else {
				c.printf("removed %d and its chat\n", r.ID)
			}
			return nil
		})
	},
}
