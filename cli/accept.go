package cli

import (
	"context"
	"flag"
	"fmt"

	"ratchat/api"
	"ratchat/chat"
)

var acceptCommand = &command{
	brief: "accept a message request",
	name:  "accept",
	args:  "ID [--as CONTACT --code DIGITS | --scan IMAGE]",
	summary: "Accept the message request ID (see 'ratchat requests'): it becomes a contact,\n" +
		"its messages are acknowledged, and you can write to it. With --as, the request is\n" +
		"that contact on a new key (a reinstall): compare the safety number first and give\n" +
		"it with --code or --scan; the two chats are merged.",
	example: "ratchat accept 4   or   ratchat accept 4 --as alice --code '12345 67890 ...'",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.as, "as", "", "the existing `CONTACT` (id or name) the request is, on a new key")
		fs.StringVar(&o.code, "code", "", "with --as: the 60 `DIGITS` the person sees (spaces allowed)")
		fs.StringVar(&o.scan, "scan", "", "with --as: a PNG or JPEG `IMAGE` of the person's QR code")
	},
	nargs: [2]int{1, 1},
	run:   runAccept,
}

// runAccept accepts a request, as a new contact or as an existing one's new key.
func runAccept(c *cli, args []string) error {
	code := c.o.code
	switch {
	case c.o.code != "" && c.o.scan != "":
		return usagef("give --code or --scan, not both")
	case c.o.as == "" && (c.o.code != "" || c.o.scan != ""):
		return usagef("--code and --scan go with --as")
	case c.o.as != "" && c.o.code == "" && c.o.scan == "":
		return usagef("--as needs the safety number: --code or --scan")
	}
	if c.o.scan != "" {
		var err error
		if code, err = chat.ScanQR(c.o.scan); err != nil {
			return err
		}
	}
	return c.withAPI(func(rpc caller) error {
		var r api.RequestResult
		p := api.RequestParams{Contact: args[0], As: c.o.as, Code: code}
		if err := rpc.Call(context.Background(), "accept", p, &r); err != nil {
			return err
		}
		if c.o.as != "" {
			fmt.Fprintf(c.stdout, "merged %s into %d (new key, verified)\n", args[0], r.ID)
			return nil
		}
		fmt.Fprintf(c.stdout, "accepted %d\n", r.ID)
		return nil
	})
}
