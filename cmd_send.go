package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"ratchat/app"
	"ratchat/store"
	"ratchat/ui"
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
		return c.withCore(func(core *app.Core) error {
			sc, err := core.FindContact(args[0])
			if err != nil {
				return err
			}
			msg, err := core.SendMessage(int64(sc.ID), text)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.o.timeout)
			defer cancel()
			status, err := core.WaitSent(ctx, sc.ID, msg.ID)
			if errors.Is(err, app.ErrTimeout) {
				return fmt.Errorf("%w: not sent within %v; the message stays queued and goes out the next time ratchat runs", err, c.o.timeout)
			}
			if err != nil {
				return err
			}
			if status == store.StatusFailed {
				return errors.New("the message could not be sent")
			}
			c.printf("%s\n", statusText(status))
			return nil
		})
	},
}

// statusText names a message status.
func statusText(s store.Status) string {
	switch s {
	case store.StatusQueued:
		return "queued"
	case store.StatusSent:
		return "sent"
	case store.StatusDelivered:
		return "delivered"
	case store.StatusRead:
		return "read"
	}
	return "failed"
}

var verifyCommand = &command{
	brief: "show, or check and mark, a safety number",
	name:  "verify",
	args:  "CONTACT [--code DIGITS | --scan IMAGE]",
	summary: "Show the safety number you share with a contact; with --code or --scan, compare it\n" +
		"with theirs and mark the contact verified when they match.",
	example: "ratchat verify Bob --code '12345 67890 ...'   or   ratchat verify Bob --scan bob-screen.png",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.code, "code", "", "the 60 `DIGITS` the contact sees (spaces allowed)")
		fs.StringVar(&o.scan, "scan", "", "a PNG or JPEG `IMAGE` of the contact's QR code")
	},
	nargs: [2]int{1, 1},
	run:   runVerify,
}

// runVerify shows or checks a safety number.
func runVerify(c *cli, args []string) error {
	if c.o.code != "" && c.o.scan != "" {
		return usagef("give --code or --scan, not both")
	}
	return c.withCore(func(core *app.Core) error {
		sc, err := core.FindContact(args[0])
		if err != nil {
			return err
		}
		code := c.o.code
		if c.o.scan != "" {
			if code, err = core.ScanQR(c.o.scan); err != nil {
				return err
			}
		}
		if code == "" {
			return c.showSafetyNumber(core, sc)
		}
		if err := core.VerifyCode(int64(sc.ID), code); err != nil {
			return err
		}
		c.printf("The numbers match: %s is verified.\n", ui.SanitizeLine(app.DisplayName(sc)))
		return nil
	})
}

// showSafetyNumber prints the safety number in 12 groups of 5 digits.
func (c *cli) showSafetyNumber(core *app.Core, sc store.Contact) error {
	sn, err := core.SafetyNumber(int64(sc.ID))
	if err != nil {
		return err
	}
	g := sn.Groups()
	for i := 0; i < len(g); i += 4 {
		c.printf("%s\n", strings.Join(g[i:min(i+4, len(g))], " "))
	}
	state := "not verified"
	if sc.Verified {
		state = "verified"
	}
	c.note("Safety number with %s (%s). Compare it with theirs; then run\n"+
		"  ratchat verify %d --code 'THEIR DIGITS'", ui.SanitizeLine(app.DisplayName(sc)), state, sc.ID)
	return nil
}
