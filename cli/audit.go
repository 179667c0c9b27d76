package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"ratchat/api"
	"ratchat/ui"
)

var auditCommand = &command{
	brief: "show the audit log of administrative actions",
	name:  "audit",
	args:  "[-n N] [--json] [--verify]",
	summary: "Print the newest entries of the audit log (tokens, assignments, settings, archive\n" +
		"exports and holds), oldest first: time, actor, action, detail. The log is hash-chained;\n" +
		"--verify checks the chain first and fails naming the first entry that does not verify.\n" +
		"Entries are kept a year.",
	example: "ratchat audit --verify -n 50",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.IntVar(&o.count, "n", 100, "how many of the newest entries")
		fs.BoolVar(&o.json, "json", false, "print the entries as a JSON array")
		fs.BoolVar(&o.arc.verify, "verify", false, "check the hash chain first")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withAPI(func(rpc caller) error {
			var r api.AuditLogResult
			if err := rpc.Call(context.Background(), "audit.log", api.AuditLogParams{N: c.o.count, Verify: c.o.arc.verify}, &r); err != nil {
				return err
			}
			if c.o.json {
				if err := c.printJSON(r.Entries); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "SEQ\tTIME\tACTOR\tACTION\tDETAIL")
				for _, e := range r.Entries {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Local().Format("2006-01-02 15:04:05"),
						ui.SanitizeLine(e.Actor), ui.SanitizeLine(e.Action), ui.SanitizeLine(e.Detail))
				}
				if err := w.Flush(); err != nil {
					return err
				}
			}
			if r.Verified {
				c.note("audit log verified")
			}
			return nil
		})
	},
}
