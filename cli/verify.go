package cli

import (
	"context"
	"flag"
	"strings"

	"ratchat/chat"
	"ratchat/ui"
)

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
	return c.withCore(func(m *chat.Messenger) error {
		ctx := context.Background()
		sc, err := m.FindContact(ctx, args[0])
		if err != nil {
			return err
		}
		code := c.o.code
		if c.o.scan != "" {
			if code, err = chat.ScanQR(c.o.scan); err != nil {
				return err
			}
		}
		if code == "" {
			return c.showSafetyNumber(m, sc)
		}
		if err := m.VerifyCode(ctx, sc.ID, code); err != nil {
			return err
		}
		c.printf("The numbers match: %s is verified.\n", ui.SanitizeLine(chat.DisplayName(sc)))
		return nil
	})
}

// showSafetyNumber prints the safety number in 12 groups of 5 digits.
func (c *cli) showSafetyNumber(m *chat.Messenger, sc chat.Contact) error {
	sn, err := m.SafetyNumber(context.Background(), sc.ID)
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
		"  ratchat verify %d --code 'THEIR DIGITS'", ui.SanitizeLine(chat.DisplayName(sc)), state, sc.ID)
	return nil
}
