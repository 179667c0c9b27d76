package cli

import (
	"flag"
	"strings"

	"ratchat/api"
)

var editCommand = &command{
	brief:   "change the text of a message you sent",
	name:    "edit",
	args:    "CONTACT MESSAGE-ID TEXT...",
	summary: "Replace the text of one of your messages, within 24 hours of sending it; the chat shows it edited, and message info keeps the earlier text.",
	example: "ratchat edit Bob 3f9a0c12 'see you at 7'",
	flags:   func(fs *flag.FlagSet, o *flagValues) { timeoutFlag(fs, o) },
	nargs:   [2]int{3, -1},
	run:     runEdit,
}

// runEdit edits a message.
func runEdit(c *cli, args []string) error {
	p := api.EditParams{Contact: args[0], Message: args[1], Text: strings.Join(args[2:], " "), WaitSeconds: c.o.timeout.Seconds()}
	return runAction(c, "edit", p, "edited")
}
