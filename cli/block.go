package cli

import (
	"context"
	"fmt"

	"ratchat/api"
)

var blockCommand = &command{
	brief:   "block a message request or contact",
	name:    "block",
	args:    "ID",
	summary: "Block ID: its history is deleted and its later messages are dropped unread.",
	example: "ratchat block 4",
	nargs:   [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RequestResult
			if err := rpc.Call(context.Background(), "block", api.RequestParams{Contact: args[0]}, &r); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "blocked %d\n", r.ID)
			return nil
		})
	},
}
