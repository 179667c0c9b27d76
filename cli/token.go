package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"ratchat/api"
	"ratchat/ui"
)

// tokenArgs is the token command's usage.
const tokenArgs = "create --role admin|agent|metrics [--name N] [--skills a,b] [--max-chats N] | list [--json] | revoke ID"

var tokenCommand = &command{
	brief: "make, list and revoke api tokens (business mode)",
	name:  "token",
	args:  tokenArgs,
	summary: "API tokens for 'ratchat serve --http': 'create' prints a new token once (keep it: only its\n" +
		"hash is stored); an agent token is an agent, given conversations by skill and load (see\n" +
		"'serve --route'). 'list' shows every token without its secret; 'revoke' ends one for good\n" +
		"(an agent's conversations go to the other agents). Only the owner makes or revokes admin\n" +
		"tokens. Every change is written to the audit log.",
	example: "ratchat token create --role agent --name Ana --skills billing,fr --max-chats 8",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.role, "role", "", "'create': the token's `ROLE`: admin, agent or metrics")
		fs.StringVar(&o.name, "name", "", "'create': the token's `NAME` (an agent's name)")
		fs.StringVar(&o.skills, "skills", "", "'create': an agent's `SKILLS`, comma-separated")
		fs.IntVar(&o.maxChats, "max-chats", 0, "'create': an agent's most open conversations (0: no bound)")
		fs.BoolVar(&o.json, "json", false, "'list': print JSON")
	},
	nargs: [2]int{1, 2},
	run:   runToken,
}

// runToken runs a token subcommand.
func runToken(c *cli, args []string) error {
	switch {
	case args[0] == "create" && len(args) == 1:
		return c.tokenCreate()
	case args[0] == "list" && len(args) == 1:
		return c.tokenList()
	case args[0] == "revoke" && len(args) == 2:
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return usagef("revoke: ID is a token's id (see 'ratchat token list')")
		}
		return c.tokenRevoke(id)
	}
	return usagef("usage: ratchat token %s", tokenArgs)
}

// tokenCreate makes a token and prints it.
func (c *cli) tokenCreate() error {
	if _, err := api.ParseRole(c.o.role); err != nil {
		return usagef("--role is admin, agent or metrics")
	}
	var skills []string
	if c.o.skills != "" {
		skills = strings.Split(c.o.skills, ",")
	}
	p := api.TokenCreateParams{Role: c.o.role, Name: c.o.name, Skills: skills, MaxChats: c.o.maxChats}
	return c.withAPI(func(rpc caller) error {
		var r api.TokenCreateResult
		if err := rpc.Call(context.Background(), "token.create", p, &r); err != nil {
			return err
		}
		c.printf("%s\n", r.Token)
		c.note("Token %d (%s) made. It is shown this once: keep it secret, as a password.", r.Record.ID, r.Record.Role)
		return nil
	})
}

// tokenList prints the tokens.
func (c *cli) tokenList() error {
	return c.withAPI(func(rpc caller) error {
		var r api.TokenListResult
		if err := rpc.Call(context.Background(), "token.list", api.TokenListParams{}, &r); err != nil {
			return err
		}
		if c.o.json {
			return c.printJSON(r.Tokens)
		}
		w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tROLE\tNAME\tSKILLS\tMAX\tCREATED\tREVOKED")
		for _, t := range r.Tokens {
			revoked := ""
			if !t.Revoked.IsZero() {
				revoked = t.Revoked.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", t.ID, t.Role, ui.SanitizeLine(t.Name), strings.Join(t.Skills, ","),
				t.MaxChats, t.Created.Local().Format("2006-01-02 15:04"), revoked)
		}
		return w.Flush()
	})
}

// tokenRevoke revokes a token.
func (c *cli) tokenRevoke(id int64) error {
	return c.withAPI(func(rpc caller) error {
		var r api.TokenRevokeResult
		if err := rpc.Call(context.Background(), "token.revoke", api.TokenRevokeParams{ID: id}, &r); err != nil {
			return err
		}
		c.printf("%d: revoked\n", r.Token.ID)
		for _, a := range r.Assigned {
			c.note("Conversation %d went to agent %d.", a.Contact.ID, a.Agent)
		}
		return nil
	})
}
