package cli

import (
	"context"
	"strings"

	"ratchat/api"
	"ratchat/ui"
)

var renameCommand = &command{
	brief:   "give a contact a name of your own",
	name:    "rename",
	args:    "CONTACT NAME",
	summary: "Call CONTACT (id or name) NAME from now on, everywhere. Only you see the name.",
	example: "ratchat rename 3 'Bob (work)'",
	nargs:   [2]int{2, -1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RenameResult
			p := api.RenameParams{Contact: args[0], Name: strings.Join(args[1:], " ")}
			if err := rpc.Call(context.Background(), "rename", p, &r); err != nil {
				return err
			}
			c.printf("renamed %d to %s\n", r.Contact.ID, ui.SanitizeLine(r.Contact.Name))
			return nil
		})
	},
}
