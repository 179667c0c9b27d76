package cli

import (
	"context"
	"fmt"

	"ratchat/api"
)

var acceptCommand = &command{
	brief:   "accept a message request",
	name:    "accept",
	args:    "ID",
	summary: "Accept the message request ID (see 'ratchat requests'): it becomes a contact,\nits messages are acknowledged, and you can write to it.",
	example: "ratchat accept 4",
	nargs:   [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RequestResult
			if err := rpc.Call(context.Background(), "accept", api.RequestParams{Contact: args[0]}, &r); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "accepted %d\n", r.ID)
			return nil
		})
	},
}
