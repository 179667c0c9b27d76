package cli

import (
	"context"
	"flag"
	"strings"

	"ratchat/api"
	"ratchat/ui"
)

var searchCommand = &command{
	brief: "search the history of every chat, or of one",
	name:  "search",
	args:  "TEXT [--contact C] [--json]",
	summary: "Print the messages that hold every word of TEXT (each as a word or the start of\n" +
		"one, ignoring case and accents), newest first, with their chat, time, id and the text\n" +
		"around the match. File messages are found by the file's name.",
	example: "ratchat search lunch friday --contact Bob",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.contact, "contact", "", "search only the chat with `C` (id or name)")
		fs.IntVar(&o.count, "n", 50, "print at most `N` results")
		fs.BoolVar(&o.json, "json", false, "print JSON: the results, and whether the index was complete")
	},
	nargs: [2]int{1, -1},
	run:   runSearch,
}

// runSearch prints the results of a search.
func runSearch(c *cli, args []string) error {
	if c.o.count <= 0 {
		return usagef("-n wants a number from 1 on")
	}
	return c.withAPI(func(rpc caller) error {
		var r api.SearchResult
		p := api.SearchParams{Query: strings.Join(args, " "), Contact: c.o.contact, Limit: c.o.count, Wait: true}
		if err := rpc.Call(context.Background(), "search", p, &r); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(r)
		}
		if !r.Complete {
			c.note("the search index is still being built (%d messages so far): older matches may be missing", r.Indexed)
		}
		for _, h := range r.Results {
			who := h.Contact.Name
			if h.Message.Direction == "out" {
				who = "me → " + who
			}
			c.printf("%s  %s  %s  %s\n", h.Message.Sent.Local().Format("2006-01-02 15:04"), ui.SanitizeLine(who),
				h.Message.ID[:8], ui.SanitizeLine(h.Snippet))
		}
		if len(r.Results) == 0 {
			c.note("nothing found")
		}
		return nil
	})
}
