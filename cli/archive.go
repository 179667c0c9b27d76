package cli

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"ratchat/api"
)

// archiveFlags are the flags of archive and audit.
type archiveFlags struct {
	retention, warc, since, reason string
	verify                         bool // audit --verify
}

// archiveArgs is the archive command's usage.
const archiveArgs = "enable [--retention 7y] | status | verify | export --warc FILE [--since TIME] | hold on [--reason R] | hold off"

var archiveCommand = &command{
	brief: "the compliance archive: enable, status, verify, export as WARC, legal hold",
	name:  "archive",
	args:  archiveArgs,
	summary: "The compliance archive keeps every message in and out, and each edit, deletion and\n" +
		"reaction, in encrypted, hash-chained files under the profile folder's archive/ (under its\n" +
		"own key, kept in the profile). 'enable' turns it on (as 'ratchat serve --archive' does);\n" +
		"'verify' checks the whole chain and names the first changed, removed or reordered record;\n" +
		"'export' writes it as WARC 1.1 (NOT encrypted); 'hold on' stops retention from pruning\n" +
		"anything until 'hold off'. Enabling, exports and holds are written to the audit log.",
	example: "ratchat archive enable --retention 7y   then   ratchat archive export --warc chats.warc",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.arc.retention, "retention", "", "'enable': how long records are kept, such as 7y, 5y or 90d (default 7y)")
		fs.StringVar(&o.arc.warc, "warc", "", "'export': the WARC `FILE` to write (created 0600, never over a file)")
		fs.StringVar(&o.arc.since, "since", "", "'export': only records from `TIME` on (RFC 3339)")
		fs.StringVar(&o.arc.reason, "reason", "", "'hold on': why (a case, a request)")
		fs.BoolVar(&o.json, "json", false, "print JSON")
	},
	nargs: [2]int{1, 2},
	run:   runArchive,
}

// runArchive dispatches the archive's subcommands.
func runArchive(c *cli, args []string) error {
	sub := args[0] + " " + fmt.Sprint(args[1:])
	switch {
	case args[0] == "enable" && len(args) == 1:
		return c.archiveCall("archive.enable", api.ArchiveEnableParams{Retention: c.o.arc.retention})
	case args[0] == "status" && len(args) == 1:
		return c.archiveCall("archive.status", api.ArchiveStatusParams{})
	case args[0] == "verify" && len(args) == 1:
		return c.archiveVerify()
	case args[0] == "export" && len(args) == 1:
		return c.archiveExport()
	case args[0] == "hold" && len(args) == 2 && (args[1] == "on" || args[1] == "off"):
		return c.archiveCall("archive.hold", api.ArchiveHoldParams{On: args[1] == "on", Reason: c.o.arc.reason})
	}
	return usagef("usage: ratchat archive %s (not %q)", archiveArgs, sub)
}

// archiveCall calls a method answering with the archive's status, and
// prints it.
func (c *cli) archiveCall(method string, params any) error {
	return c.withAPI(func(rpc caller) error {
		var s api.ArchiveStatus
		if err := rpc.Call(context.Background(), method, params, &s); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(s)
		}
		state := "off"
		if s.Enabled {
			state = "on"
		}
		c.printf("archive %s: %d records (first kept %d), %d segments, %d bytes, %d queued, retention %s\n",
			state, s.Records, s.First, s.Segments, s.Bytes, s.Queued, s.Retention)
		if s.Hold {
			c.printf("legal hold since %s: %s\n", s.HoldSince.Local().Format("2006-01-02 15:04"), s.HoldReason)
		}
		return nil
	})
}

// archiveVerify checks the chain.
func (c *cli) archiveVerify() error {
	return c.withAPI(func(rpc caller) error {
		var r api.ArchiveVerifyResult
		if err := rpc.Call(context.Background(), "archive.verify", api.ArchiveVerifyParams{}, &r); err != nil {
			return err
		}
		c.printf("archive verified: %d records\n", r.Records)
		return nil
	})
}

// archiveExport writes the WARC file.
func (c *cli) archiveExport() error {
	if c.o.arc.warc == "" {
		return usagef("archive export needs --warc FILE")
	}
	abs, err := filepath.Abs(c.o.arc.warc) // the profile's process may run in another folder
	if err != nil {
		return err
	}
	return c.withAPI(func(rpc caller) error {
		var r api.ArchiveExportResult
		if err := rpc.Call(context.Background(), "archive.export", api.ArchiveExportParams{Path: abs, Since: c.o.arc.since}, &r); err != nil {
			return err
		}
		c.note("%s", r.Warning)
		c.note("exported %d records to %s", r.Records, r.Path)
		return nil
	})
}
