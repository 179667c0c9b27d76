package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"ratchat/chat"
)

var sendCommand = &command{
	brief:   "send a message and wait until it has left",
	name:    "send",
	args:    "CONTACT TEXT...",
	summary: "Send a message to a contact (by name or id) and wait until their home accepted it.",
	example: "ratchat send Bob 'see you at 6' --timeout 10s",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the message to leave")
	},
	nargs: [2]int{2, -1},
	run: func(c *cli, args []string) error {
		text := strings.Join(args[1:], " ")
		return c.withCore(func(m *chat.Messenger) error {
			sc, err := m.FindContact(context.Background(), args[0])
			if err != nil {
				return err
			}
			msg, err := m.Send(context.Background(), sc.ID, text)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.o.timeout)
			defer cancel()
			status, err := m.WaitSent(ctx, sc.ID, msg.ID)
			if errors.Is(err, chat.ErrTimeout) {
				return fmt.Errorf("%w: not sent within %v; the message stays queued and goes out the next time ratchat runs", err, c.o.timeout)
			}
			if err != nil {
				return err
			}
			if status == chat.StatusFailed {
				return errors.New("the message could not be sent")
			}
			c.printf("%s\n", statusText(status))
			return nil
		})
	},
}
