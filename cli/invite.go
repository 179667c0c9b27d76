package cli

import (
	"context"
	"flag"

	"github.com/mdp/qrterminal/v3"

	"ratchat/api"
)

var inviteCommand = &command{
	brief:   "print your invite as text and QR code",
	name:    "invite",
	args:    "",
	summary: "Print your invite, as text and as a QR code: whoever adds it can write to you.",
	example: "ratchat invite --text > my-invite.txt",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.textOnly, "text", false, "print the text only, without the QR code")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.InviteResult
			if err := rpc.Call(context.Background(), "invite", nil, &r); err != nil {
				return err
			}
			invite := r.Invite
			c.printf("%s\n", invite)
			c.noteNotReady(r.Ready)
			if !c.o.textOnly {
				qrterminal.GenerateWithConfig(invite, qrterminal.Config{
					Level: qrterminal.L, Writer: c.stdout, HalfBlocks: true, QuietZone: 2,
					BlackChar: qrterminal.BLACK_BLACK, BlackWhiteChar: qrterminal.BLACK_WHITE,
					WhiteChar: qrterminal.WHITE_WHITE, WhiteBlackChar: qrterminal.WHITE_BLACK,
				})
			}
			return nil
		})
	},
}
