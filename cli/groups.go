package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"ratchat/api"
	"ratchat/ui"
)

var groupsCommand = &command{
	brief:   "list your groups",
	name:    "groups",
	args:    "[--json]",
	summary: "List your groups: id, name, members, unread messages, and whether you are an admin,\na member, or no more a member (the chat of a group you left stays).",
	example: "ratchat groups --json",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "print JSON, one object per group")
	},
	nargs: [2]int{0, 0},
	run:   func(c *cli, _ []string) error { return c.listGroups() },
}

// listGroups prints the groups (ratchat groups, ratchat group list).
func (c *cli) listGroups() error {
	return c.withAPI(func(rpc caller) error {
		var r api.GroupListResult
		if err := rpc.Call(context.Background(), "group.list", api.GroupListParams{}, &r); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(r.Groups)
		}
		w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tMEMBERS\tUNREAD\tYOU")
		for _, g := range r.Groups {
			fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%s\n", g.ID, ui.SanitizeLine(g.Name), len(g.Members), g.Unread, roleText(g))
		}
		return w.Flush()
	})
}

// groupMembers prints a group's members (ratchat group members GROUP).
func (c *cli) groupMembers(group string) error {
	return c.withAPI(func(rpc caller) error {
		var r api.GroupResult
		if err := rpc.Call(context.Background(), "group.members", api.GroupParams{Group: group}, &r); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(r.Group.Members)
		}
		w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tVERIFIED\tADMIN\tHELD")
		for _, m := range r.Group.Members {
			id := itoa(m.ID)
			if m.Self {
				id = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", id, ui.SanitizeLine(m.Name), memberVerified(m),
				yesNo(m.Admin), yesNo(m.Held))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if r.Group.Held {
			c.note("Sending to the group waits: verify each held member ('ratchat verify ID').")
		}
		return nil
	})
}

// roleText says where we stand in a group.
func roleText(g api.Group) string {
	switch {
	case !g.Member:
		return "not a member" // left, or removed
	case g.Held:
		return "HELD"
	case g.Admin:
		return "admin"
	}
	return "member"
}

// memberVerified says where a member's verification stands.
func memberVerified(m api.GroupMember) string {
	switch {
	case m.Self:
		return "-"
	case m.KeyChanged:
		return "KEY CHANGED"
	case m.Verified:
		return "yes"
	case m.Request:
		return "no (not a contact)"
	}
	return "no"
}

// yesNo is a flag as a table shows it.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// itoa formats an id.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
