package cli

import (
	"context"
	"flag"
	"path/filepath"

	"ratchat/api"
	"ratchat/chat"
)

var exportCommand = &command{
	brief: "export a chat as text or JSON (not encrypted)",
	name:  "export",
	args:  "CONTACT [--format text|json] [--out FILE]",
	summary: "Write the whole chat with CONTACT (id or name), oldest first, to FILE (created with\n" +
		"mode 0600, never over an existing file) or to standard output. The export is NOT\n" +
		"encrypted: anyone who can read the file can read the chat.",
	example: "ratchat export Bob --format json --out bob.json",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.format, "format", "text", "`text` (date, time, sender, text) or json (ids, times, direction, kind, status)")
		fs.StringVar(&o.out, "out", "", "write to `FILE` instead of standard output")
	},
	nargs: [2]int{1, 1},
	run:   runExport,
}

// runExport writes a chat's export and warns that it is not encrypted.
func runExport(c *cli, args []string) error {
	if c.o.format != chat.ExportText && c.o.format != chat.ExportJSON {
		return usagef("--format is text or json")
	}
	p := api.ExportParams{Contact: args[0], Format: c.o.format}
	if c.o.out != "" {
		// The profile's process writes the file: give it an absolute path
		// (its working folder is not ours).
		abs, err := filepath.Abs(c.o.out)
		if err != nil {
			return err
		}
		p.Path = abs
	}
	return c.withAPI(func(rpc caller) error {
		var r api.ExportResult
		if err := rpc.Call(context.Background(), "export", p, &r); err != nil {
			return err
		}
		c.note("%s", r.Warning)
		if r.Path == "" {
			c.printf("%s", r.Content)
			return nil
		}
		c.note("exported %d rows to %s", r.Rows, r.Path)
		return nil
	})
}
