package cli

import (
	"flag"
	"strings"

	"ratchat/api"
)

var replyCommand = &command{
	brief:   "reply to a message, quoting it",
	name:    "reply",
	args:    "CONTACT MESSAGE-ID TEXT...",
	summary: "Send a text that quotes an earlier message of the chat. MESSAGE-ID is the id 'ratchat messages' prints (8 hex digits, or the whole id).",
	example: "ratchat reply Bob 3f9a0c12 'yes, at 6'",
	flags:   func(fs *flag.FlagSet, o *flagValues) { timeoutFlag(fs, o) },
	nargs:   [2]int{3, -1},
	run:     runReply,
}

// runReply sends a reply.
func runReply(c *cli, args []string) error {
	p := api.ReplyParams{Contact: args[0], Message: args[1], Text: strings.Join(args[2:], " "), WaitSeconds: c.o.timeout.Seconds()}
	return runAction(c, "reply", p, "replied:")
}
