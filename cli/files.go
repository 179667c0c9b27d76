package cli

import (
	"context"

	"ratchat/api"
)

var filesCommand = &command{
	brief: "set whether a contact's files download by themselves",
	name:  "files",
	args:  "CONTACT auto|ask|default",
	summary: "Set whether CONTACT's files download by themselves (auto), always wait for you\n" +
		"(ask: 'ratchat' shows them, /accept file downloads), or follow the default: auto for a\n" +
		"verified contact, ask for everyone else.",
	example: "ratchat files Bob auto",
	nargs:   [2]int{2, 2},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.FilesResult
			if err := rpc.Call(context.Background(), "files", api.FilesParams{Contact: args[0], Policy: args[1]}, &r); err != nil {
				return err
			}
			c.printf("files of %d: %s\n", r.ID, r.Policy)
			return nil
		})
	},
}
