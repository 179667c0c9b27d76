package cli

import (
	"flag"

	"ratchat/api"
)

var deleteCommand = &command{
	brief:   "delete a message, here or for everyone",
	name:    "delete",
	args:    "CONTACT MESSAGE-ID [--everyone]",
	summary: "Delete a message from this profile; with --everyone, one of your own messages (within 24 hours of sending it) from the contact's chat too. A line says where it was; its text is gone.",
	example: "ratchat delete Bob 3f9a0c12 --everyone",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.everyone, "everyone", false, "delete it for the contact too")
		timeoutFlag(fs, o)
	},
	nargs: [2]int{2, 2},
	run:   runDelete,
}

// runDelete deletes a message.
func runDelete(c *cli, args []string) error {
	p := api.DeleteParams{Contact: args[0], Message: args[1], ForEveryone: c.o.everyone, WaitSeconds: c.o.timeout.Seconds()}
	done := "deleted"
	if c.o.everyone {
		done = "deleted for everyone"
	} else {
		p.WaitSeconds = 0 // nothing travels
	}
	return runAction(c, "delete", p, done)
}
