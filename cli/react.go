package cli

import (
	"flag"

	"ratchat/api"
)

var reactCommand = &command{
	brief:   "react to a message with an emoji",
	name:    "react",
	args:    "CONTACT MESSAGE-ID [EMOJI]",
	summary: "Set your reaction to a message: one emoji, which replaces the one you had. Without EMOJI, your reaction is removed.",
	example: "ratchat react Bob 3f9a0c12 👍",
	flags:   func(fs *flag.FlagSet, o *flagValues) { timeoutFlag(fs, o) },
	nargs:   [2]int{2, 3},
	run:     runReact,
}

// runReact sets or removes a reaction.
func runReact(c *cli, args []string) error {
	p := api.ReactParams{Contact: args[0], Message: args[1], WaitSeconds: c.o.timeout.Seconds()}
	done := "removed your reaction from"
	if len(args) == 3 {
		p.Emoji, done = args[2], "reacted "+args[2]+" to"
	}
	return runAction(c, "react", p, done)
}
