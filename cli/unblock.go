package cli

import (
	"context"

	"ratchat/api"
)

var unblockCommand = &command{
	brief:   "unblock a blocked sender",
	name:    "unblock",
	args:    "ID",
	summary: "Unblock ID (see 'ratchat contacts --blocked'): its next message arrives as a message request.",
	example: "ratchat unblock 4",
	nargs:   [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RequestResult
			if err := rpc.Call(context.Background(), "unblock", api.RequestParams{Contact: args[0]}, &r); err != nil {
				return err
			}
			c.printf("unblocked %d\n", r.ID)
			return nil
		})
	},
}
