package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"ratchat/api"
	"ratchat/ui"
)

var requestsCommand = &command{
	brief:   "list message requests from people you have not accepted",
	name:    "requests",
	args:    "",
	summary: "List message requests: people who wrote to you first. Accept one with 'ratchat accept ID'\nor block it with 'ratchat block ID'. A request named like a contact is marked: it is another key.",
	example: "ratchat requests --json",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "print JSON, one object per request")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.RequestsResult
			if err := rpc.Call(context.Background(), "requests", nil, &r); err != nil {
				return err
			}
			if c.o.json {
				return c.printJSON(r.Requests)
			}
			w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tUNREAD\tLAST\tNOTE")
			for _, s := range r.Requests {
				fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\n", s.ID, ui.SanitizeLine(s.Name),
					s.Unread, lastText(s.Last), ui.SanitizeLine(s.Mark))
			}
			return w.Flush()
		})
	},
}
