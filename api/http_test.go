package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"ratchat/chat"
	"ratchat/store"
)

// httpKit is a business profile answering on its socket and over HTTP,
// with two contacts (1, assigned to the agent; 2, not) and a token of
// each role.
type httpKit struct {
	m                     *chat.Messenger
	srv                   *Server
	owner                 *Client
	url                   string
	admin, agent, metrics string
	agentID               int64
	mine, other           store.ContactID
}

// newHTTPKit starts the kit.
func newHTTPKit(t *testing.T) *httpKit {
	t.Helper()
	bob, carol, biz := newProfile(t, "Bob"), newProfile(t, "Carol"), newProfile(t, "Biz")
	waitOnline(t, bob)
	waitOnline(t, carol)
	k := &httpKit{m: biz, srv: listen(t, biz, Config{})}
	k.owner = dial(t, biz)
	for _, p := range []*chat.Messenger{bob, carol} {
		inv, _ := p.Invite()
		call[AddResult](t, k.owner, "add", AddParams{Invite: inv})
	}
	k.mine, k.other = 1, 2
	ctx := context.Background()
	for _, tok := range []struct {
		dst  *string
		spec chat.TokenSpec
	}{
		{&k.admin, chat.TokenSpec{Role: store.TokenAdmin, Name: "boss"}},
		{&k.agent, chat.TokenSpec{Role: store.TokenAgent, Name: "Ana", Skills: []string{"billing"}}},
		{&k.metrics, chat.TokenSpec{Role: store.TokenMetrics, Name: "prom"}},
	} {
		text, rec, err := biz.CreateAPIToken(ctx, tok.spec)
		if err != nil {
			t.Fatal(err)
		}
		*tok.dst = text
		if tok.spec.Role == store.TokenAgent {
			k.agentID = rec.ID
		}
	}
	hs, err := k.srv.ListenHTTP("127.0.0.1:0", k.srv.Handler(http.NewServeMux()), HTTPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close() })
	k.url = "http://" + hs.Addr()
	k.assign(t)
	return k
}

// assign (again) gives the agent its conversation.
func (k *httpKit) assign(t *testing.T) {
	t.Helper()
	if _, err := k.m.AssignConversation(context.Background(), k.mine, k.agentID); err != nil {
		t.Fatal(err)
	}
}

// post sends a body to a path with a token ("" for none) and returns the
// status and the body.
func (k *httpKit) post(t *testing.T, path, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, k.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

// do runs a request and reads its answer.
func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// rpcCode calls a method over HTTP and returns the error code (0: a
// result).
func (k *httpKit) rpcCode(t *testing.T, token, method string, params any) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	status, out := k.post(t, PathRPC, token, string(body))
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d %s", method, status, out)
	}
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("%s: %v in %s", method, err, out)
	}
	if resp.Error != nil {
		return resp.Error.Code
	}
	return 0
}

// TestRolesTable calls every method of the table, as rpc.discover lists
// it, as each caller: the owner on the socket, an admin, an agent and a
// metrics token over HTTP, and over HTTP without a token or with a bad
// one. Each is let through or refused as api/access.go says: 401 without
// a valid token, code 35 for a role below the method's. Params are empty
// (an agent names its conversation): authorization comes before them, so
// "let through" is any answer but 35.
func TestRolesTable(t *testing.T) {
	k := newHTTPKit(t)
	disc := call[DiscoverResult](t, k.owner, "rpc.discover", nil)
	if len(disc.Methods) != len(methods) {
		t.Fatalf("rpc.discover lists %d methods, the table has %d", len(disc.Methods), len(methods))
	}
	bad := chat.TokenPrefix + strings.Repeat("A", chat.TokenLen-len(chat.TokenPrefix))
	for _, md := range disc.Methods {
		name := md.Name
		params := map[string]any{}
		if agentScoped[name] {
			params["contact"] = fmt.Sprint(k.mine)
		}
		t.Run(name, func(t *testing.T) {
			// The owner, on the socket.
			err := k.owner.Call(context.Background(), name, params, nil)
			if e, ok := err.(*Error); ok && e.Code == CodeForbidden {
				t.Errorf("owner refused: %v", err)
			}
			for _, c := range []struct {
				who     string
				token   string
				role    Role
				allowed bool
			}{
				{"admin", k.admin, RoleAdmin, least(name) >= RoleAdmin},
				{"agent", k.agent, RoleAgent, least(name) == RoleAgent},
				{"metrics", k.metrics, RoleMetrics, false},
			} {
				k.assign(t) // conversation.close by the agent closed it
				code := k.rpcCode(t, c.token, name, params)
				if got := code != CodeForbidden; got != c.allowed {
					t.Errorf("%s: code %d, allowed %v, want %v", c.who, code, got, c.allowed)
				}
			}
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":%q,"params":{}}`, name)
			for _, tok := range []string{"", bad, "not a token", k.admin + "x"} {
				if status, out := k.post(t, PathRPC, tok, body); status != http.StatusUnauthorized {
					t.Errorf("token %q: HTTP %d %s, want 401", tok, status, out)
				}
			}
		})
	}
}

// TestAgentScope: an agent reaches only its conversations, named by id;
// a batch answers each call in place; --sign-agents signs its texts, and
// revoking its token shuts it out at the next request.
func TestAgentScope(t *testing.T) {
	k := newHTTPKit(t)
	for name := range agentScoped {
		for _, conv := range []string{fmt.Sprint(k.other), "Bob", ""} {
			if code := k.rpcCode(t, k.agent, name, map[string]any{"contact": conv}); code != CodeForbidden {
				t.Errorf("%s on %q: code %d, want %d", name, conv, code, CodeForbidden)
			}
		}
	}
	var mine ConversationsResult
	body := `[{"jsonrpc":"2.0","id":1,"method":"conversations.mine"},{"jsonrpc":"2.0","id":2,"method":"contacts"},` +
		`{"jsonrpc":"2.0","id":3,"method":"send","params":{"contact":"1","text":"hi"}},{"jsonrpc":"2.0","method":"send","params":{"contact":"1","text":"note"}}]`
	status, out := k.post(t, PathRPC, k.agent, body)
	var batch []response
	if err := json.Unmarshal(out, &batch); status != http.StatusOK || err != nil || len(batch) != 3 {
		t.Fatalf("batch: HTTP %d %s (%v)", status, out, err)
	}
	if err := json.Unmarshal(batch[0].Result, &mine); err != nil || len(mine.Conversations) != 1 || mine.Conversations[0].Contact.ID != int64(k.mine) {
		t.Errorf("conversations.mine: %s (%v)", batch[0].Result, err)
	}
	if batch[1].Error == nil || batch[1].Error.Code != CodeForbidden {
		t.Errorf("contacts in the batch: %+v, want code %d", batch[1], CodeForbidden)
	}
	if batch[2].Error != nil {
		t.Errorf("send in the batch: %+v", batch[2].Error)
	}

	k.srv.SetSignAgents(true)
	if code := k.rpcCode(t, k.agent, "send", SendParams{Contact: "1", Text: "your refund is on its way"}); code != 0 {
		t.Fatalf("signed send: code %d", code)
	}
	rows, _, err := k.m.Messages(context.Background(), k.mine, 0, 1)
	if err != nil || len(rows) != 1 || string(rows[0].Body) != "your refund is on its way\n— Ana" {
		t.Errorf("signed text: %+v, %v", rows, err)
	}
	k.srv.SetSignAgents(false)

	for _, c := range []struct {
		path, token string
		want        int
	}{
		{PathEvents, k.metrics, http.StatusForbidden},
		{PathMetrics, k.agent, http.StatusForbidden},
		{"/elsewhere", k.agent, http.StatusForbidden},
		{"/elsewhere", k.admin, http.StatusNotFound},
		{PathMetrics, "", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, k.url+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if status, out := do(t, req); status != c.want {
			t.Errorf("GET %s as %q: HTTP %d %s, want %d", c.path, c.token, status, out, c.want)
		}
	}

	if code := k.rpcCode(t, k.agent, "accept", RequestParams{Contact: "1", As: "2", Code: "1234"}); code != CodeForbidden {
		t.Errorf("an agent accepting as another contact: code %d, want %d", code, CodeForbidden)
	}
	if code := k.rpcCode(t, k.admin, "export", map[string]any{"contact": "1", "path": "/tmp/x.txt"}); code != CodeForbidden {
		t.Errorf("an admin's export to a file on the server: code %d, want %d", code, CodeForbidden)
	}

	var rev TokenRevokeResult
	if err := k.owner.Call(context.Background(), "token.revoke", TokenRevokeParams{ID: k.agentID}, &rev); err != nil || rev.Token.Revoked.IsZero() {
		t.Fatalf("revoke: %+v, %v", rev, err)
	}
	if status, _ := k.post(t, PathRPC, k.agent, `{"jsonrpc":"2.0","id":1,"method":"conversations.mine"}`); status != http.StatusUnauthorized {
		t.Errorf("a revoked token: HTTP %d, want 401", status)
	}
	if status, out := k.post(t, PathRPC, k.admin, string(bytes.Repeat([]byte{' '}, MaxRequestSize+1))); status != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body: HTTP %d %.100s, want 413", status, out)
	}
}

// TestTokenMethods: token.create over the socket and by an admin (who may
// not make admins), token.list without secrets, codes for bad specs and
// unknown ids.
func TestTokenMethods(t *testing.T) {
	k := newHTTPKit(t)
	made := call[TokenCreateResult](t, k.owner, "token.create", TokenCreateParams{Role: "agent", Name: "Bo", Skills: []string{"Tech", "tech"}, MaxChats: 3})
	if !strings.HasPrefix(made.Token, chat.TokenPrefix) || made.Record.Role != "agent" || len(made.Record.Skills) != 1 || made.Record.Skills[0] != "tech" {
		t.Errorf("token.create: %+v", made)
	}
	if code := k.rpcCode(t, k.admin, "token.create", TokenCreateParams{Role: "admin"}); code != CodeForbidden {
		t.Errorf("an admin making an admin: code %d, want %d", code, CodeForbidden)
	}
	if code := k.rpcCode(t, k.admin, "token.create", TokenCreateParams{Role: "metrics", Name: "graf"}); code != 0 {
		t.Errorf("an admin making a metrics token: code %d", code)
	}
	list := call[TokenListResult](t, k.owner, "token.list", nil)
	if len(list.Tokens) != 5 {
		t.Errorf("token.list: %d tokens, want 5", len(list.Tokens))
	}
	raw, _ := json.Marshal(list)
	if bytes.Contains(raw, []byte(chat.TokenPrefix)) {
		t.Errorf("token.list shows a secret: %s", raw)
	}
	for _, c := range []struct {
		method string
		params any
		code   int
	}{
		{"token.create", TokenCreateParams{Role: "owner"}, CodeInvalidParams},
		{"token.create", TokenCreateParams{Role: "agent", Skills: []string{"a b"}}, CodeBadTokenSpec},
		{"token.create", TokenCreateParams{Role: "admin", MaxChats: 2}, CodeBadTokenSpec},
		{"token.revoke", TokenRevokeParams{ID: 99}, CodeNoToken},
		{"conversation.assign", ConversationParams{Contact: "2", Agent: 99}, CodeNoAgent},
		{"conversation.close", ConversationParams{Contact: "2"}, CodeNotOpen},
	} {
		err := k.owner.Call(context.Background(), c.method, c.params, nil)
		wantCode(t, err, c.code, nil)
	}
	assigned := call[ConversationResult](t, k.owner, "conversation.assign", ConversationParams{Contact: "2", Agent: made.Record.ID})
	if assigned.Conversation == nil || assigned.Conversation.Agent != made.Record.ID {
		t.Errorf("conversation.assign: %+v", assigned)
	}
	call[ConversationResult](t, k.owner, "conversation.close", ConversationParams{Contact: "2"})
	call[TokenRevokeResult](t, k.owner, "token.revoke", TokenRevokeParams{ID: made.Record.ID})

	// Every administrative action is in the audit log, with its actor,
	// and the log verifies.
	log, err := k.m.AuditLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Actor+" "+e.Action)
	}
	want := []string{"owner token.create", "admin token 1 token.create", "owner conversation.assign", "owner conversation.close", "owner token.revoke"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("the audit log lacks %q: %q", w, got)
		}
	}
	if err := k.m.VerifyAudit(context.Background()); err != nil {
		t.Errorf("the audit log does not verify: %v", err)
	}
}
