package cli

import (
	"context"
	"flag"
	"strings"

	"ratchat/api"
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
	code := c.o.code
	if c.o.scan != "" {
		var err error
		if code, err = chat.ScanQR(c.o.scan); err != nil {
			return err
		}
	}
	return c.withAPI(func(rpc caller) error {
		var r api.VerifyResult
		if err := rpc.Call(context.Background(), "verify", api.VerifyParams{Contact: args[0], Code: code}, &r); err != nil {
			return err
		}
		if code == "" {
			c.showSafetyNumber(r)
			return nil
		}
		c.printf("The numbers match: %s is verified.\n", ui.SanitizeLine(r.Contact.Name))
		return nil
	})
}

// showSafetyNumber prints the safety number in 3 rows of 4 groups of 5
// digits.
func (c *cli) showSafetyNumber(r api.VerifyResult) {
	const group, perRow = 5, 4
	var groups []string
	for d := r.SafetyNumber; len(d) > 0; d = d[min(group, len(d)):] {
		groups = append(groups, d[:min(group, len(d))])
	}
	for i := 0; i < len(groups); i += perRow {
		c.printf("%s\n", strings.Join(groups[i:min(i+perRow, len(groups))], " "))
	}
	state := "not verified"
	if r.Verified {
		state = "verified"
	}
	c.note("Safety number with %s (%s). Compare it with theirs; then run\n"+
		"  ratchat verify %d --code 'THEIR DIGITS'", ui.SanitizeLine(r.Contact.Name), state, r.Contact.ID)
}
