package cli

import (
	"context"
	"flag"
	"time"

	"ratchat/api"
	"ratchat/chat"
)

// timeoutFlag registers --timeout for the message actions: how long to
// wait for what tells the contact to leave.
func timeoutFlag(fs *flag.FlagSet, o *flagValues) {
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for it to leave (0: do not wait)")
}

// runAction calls a message action's method and prints what it did, with
// the message's short id.
func runAction(c *cli, method string, params any, done string) error {
	if c.o.timeout < 0 || c.o.timeout > api.MaxWait {
		return usagef("--timeout wants a duration from 0 to %v", api.MaxWait)
	}
	return c.withAPI(func(rpc caller) error {
		var r api.MessageResult
		if err := rpc.Call(context.Background(), method, params, &r); err != nil {
			return err
		}
		c.printf("%s %s\n", done, r.Message.ID[:chat.ShortIDLen])
		if !r.Flushed && c.o.timeout > 0 {
			c.note("Not sent yet; it goes out when the contact's home is reachable.")
		}
		return nil
	})
}
