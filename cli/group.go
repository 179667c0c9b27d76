package cli

import (
	"context"
	"flag"
	"strings"

	"ratchat/api"
	"ratchat/ui"
)

var groupCommand = &command{
	brief: "create and change groups; list a group's members",
	name:  "group",
	args:  "create NAME MEMBER... | add GROUP MEMBER... | remove|promote GROUP MEMBER | leave GROUP | rename GROUP NAME | members GROUP [--json] | list",
	summary: "Groups: 'create' makes a group of contacts (by id or name) with you as its admin;\n" +
		"'add', 'remove', 'rename' and 'promote' (make a member an admin) are for admins; 'leave'\n" +
		"takes you out (the chat stays). 'members' lists each member with its verification, whether\n" +
		"it is an admin, and whether its changed key holds the group (verify it to go on); 'list'\n" +
		"is 'ratchat groups'. A group is a chat like a contact's: 'send', 'messages', 'reply' ...\n" +
		"take its name or id. Every member is told of a change over your sessions with them.",
	example: "ratchat group create Climbing Bob Carol   then   ratchat send Climbing 'Saturday 9am?'",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.json, "json", false, "'members', 'list': print JSON")
	},
	nargs: [2]int{1, -1},
	run:   runGroup,
}

// groupUsage is the usage line of each subcommand, with its arguments.
var groupUsage = map[string]struct {
	args   string
	lo, hi int // the least and most arguments after the subcommand (-1: any)
}{
	"create":  {"NAME MEMBER...", 2, -1},
	"add":     {"GROUP MEMBER...", 2, -1},
	"remove":  {"GROUP MEMBER", 2, 2},
	"leave":   {"GROUP", 1, 1},
	"rename":  {"GROUP NAME", 2, -1},
	"promote": {"GROUP MEMBER", 2, 2},
	"members": {"GROUP [--json]", 1, 1},
	"list":    {"[--json]", 0, 0},
}

// runGroup checks a group subcommand's arguments and runs it.
func runGroup(c *cli, args []string) error {
	sub, rest := args[0], args[1:]
	u, ok := groupUsage[sub]
	if !ok {
		return usagef("usage: ratchat group create|add|remove|leave|rename|promote|members|list ... (see 'ratchat help group')")
	}
	if len(rest) < u.lo || u.hi >= 0 && len(rest) > u.hi {
		return usagef("usage: ratchat group %s %s", sub, u.args)
	}
	if c.o.json && sub != "members" && sub != "list" {
		return usagef("--json goes with 'group members' and 'group list'")
	}
	switch sub {
	case "list":
		return c.listGroups()
	case "members":
		return c.groupMembers(rest[0])
	}
	return c.withAPI(func(rpc caller) error {
		method, params := groupCall(sub, rest)
		var r api.GroupResult
		if err := rpc.Call(context.Background(), method, params, &r); err != nil {
			return err
		}
		c.printf("%s\n", groupDone(sub, rest, r.Group))
		if !r.Flushed && sub != "leave" {
			c.note("Not every member was told yet: they are, as their homes become reachable.")
		}
		return nil
	})
}

// groupCall is a changing subcommand's method and params.
func groupCall(sub string, rest []string) (string, any) {
	switch sub {
	case "create":
		return "group.create", api.GroupCreateParams{Name: rest[0], Members: rest[1:]}
	case "add":
		return "group.add", api.GroupAddParams{Group: rest[0], Members: rest[1:]}
	case "remove", "promote":
		return "group." + sub, api.GroupMemberParams{Group: rest[0], Member: rest[1]}
	case "rename":
		return "group.rename", api.GroupRenameParams{Group: rest[0], Name: strings.Join(rest[1:], " ")}
	}
	return "group.leave", api.GroupParams{Group: rest[0]}
}

// groupDone says what a changing subcommand did.
func groupDone(sub string, rest []string, g api.Group) string {
	name := ui.SanitizeLine(g.Name)
	switch sub {
	case "create":
		var others []string
		for _, m := range g.Members {
			if !m.Self {
				others = append(others, ui.SanitizeLine(m.Name))
			}
		}
		return "created group " + name + " (id " + itoa(g.ID) + ") with " + strings.Join(others, ", ")
	case "add":
		return "added " + strings.Join(rest[1:], ", ") + " to " + name
	case "remove":
		return "removed " + rest[1] + " from " + name
	case "promote":
		return rest[1] + " is an admin of " + name
	case "rename":
		return "renamed group " + itoa(g.ID) + " to " + name
	}
	return "left " + name + " (its chat stays)"
}
