package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"ratchat/api"
	"ratchat/chat"
)

var sendCommand = &command{
	brief: "send a message and wait until it has left",
	name:  "send",
	args:  "CONTACT|GROUP TEXT...",
	summary: "Send a message to a contact or a group (by name or id) and wait until their home\n" +
		"accepted it (a group's: every member's home).",
	example: "ratchat send Bob 'see you at 6' --timeout 10s",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the message to leave")
	},
	nargs: [2]int{2, -1},
	run:   runSend,
}

// runSend sends a message and prints its status once it left.
func runSend(c *cli, args []string) error {
	if c.o.timeout < 0 || c.o.timeout > api.MaxWait {
		return usagef("--timeout wants a duration from 0 to %v", api.MaxWait)
	}
	p := api.SendParams{Contact: args[0], Text: strings.Join(args[1:], " "), WaitSeconds: c.o.timeout.Seconds()}
	return c.withAPI(func(rpc caller) error {
		var r api.SendResult
		err := rpc.Call(context.Background(), "send", p, &r)
		if errors.Is(err, chat.ErrTimeout) {
			return fmt.Errorf("%w; the message stays queued and goes out later", err)
		}
		if err != nil {
			return err
		}
		if r.Status == "failed" {
			return errors.New("the message could not be sent")
		}
		c.printf("%s\n", r.Status)
		return nil
	})
}
