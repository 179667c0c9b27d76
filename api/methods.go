package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"ratchat/chat"
	"ratchat/store"
)

// Bounds of the methods' params.
const (
	// MaxMessages bounds messages' n.
	MaxMessages = 100_000
	// DefaultMessages is messages' n when the call leaves it out.
	DefaultMessages = 50
	// MaxWait bounds send's wait_seconds.
	MaxWait = time.Hour
	// FlushWait bounds how long add waits for its first message to leave.
	FlushWait = 15 * time.Second
	// ReadyWait bounds how long invite and add wait for the profile's
	// prekeys to reach its home (its relay), so that whoever is given the
	// invite right after can add it.
	ReadyWait = 15 * time.Second
	// messagesPage is how many rows messages reads at a time.
	messagesPage = 1000
)

// ContactsParams are the params of contacts: with blocked, the blocked
// senders are listed too, after the contacts (marked blocked).
type ContactsParams struct {
	Blocked bool `json:"blocked,omitempty"`
}

// ContactsResult lists every contact, the most recent chat first.
type ContactsResult struct {
	Contacts []Contact `json:"contacts"`
}

// RequestsParams are the params of "requests": none.
type RequestsParams struct{}

// RequestsResult lists the message requests, the most recent first.
type RequestsResult struct {
	Requests []Contact `json:"requests"`
}

// RequestParams name a message request (or, for "block", any contact) by
// its id. For "accept", As and Code accept the request as an existing
// contact (by id or name) on a new key: Code is the safety number made
// with the request's key, as compared with the person.
type RequestParams struct {
	Contact string `json:"contact"`
	As      string `json:"as,omitempty"`
	Code    string `json:"code,omitempty"`
}

// RequestResult is the contact after "accept" or "block".
type RequestResult struct {
	ID int64 `json:"id"`
}

// MessagesParams name a chat (a contact's id or name) and how many of its
// newest rows to return (1 to [MaxMessages]; [DefaultMessages] when left out).
type MessagesParams struct {
	Contact string `json:"contact"`
	N       int    `json:"n,omitempty"`
}

// MessagesResult is the contact and its chat's newest rows, oldest first.
type MessagesResult struct {
	Contact  Contact   `json:"contact"`
	Messages []Message `json:"messages"`
}

// SendParams name a contact, the text to send, and how long to wait for it
// to leave (0: not at all; at most [MaxWait]).
type SendParams struct {
	Contact     string  `json:"contact"`
	Text        string  `json:"text"`
	WaitSeconds float64 `json:"wait_seconds,omitempty"`
}

// SendResult is the message sent: its id (hex), its place in the chat,
// and its status when the call returned ("queued" when it did not wait).
type SendResult struct {
	ID     string `json:"id"`
	Seq    int64  `json:"seq"`
	Status string `json:"status"`
}

// VerifyParams name a contact and, optionally, the code they see (60
// digits, spaces allowed, or the text of their QR code).
type VerifyParams struct {
	Contact string `json:"contact"`
	Code    string `json:"code,omitempty"`
}

// VerifyResult is the contact, its safety number (60 digits) and whether
// it is verified: after a matching code, it is.
type VerifyResult struct {
	Contact      Contact `json:"contact"`
	SafetyNumber string  `json:"safety_number"`
	Verified     bool    `json:"verified"`
}

// InviteParams are the params of invite: none.
type InviteParams struct{}

// InviteResult is the profile's invite, and whether its prekeys are at its
// home (within [ReadyWait]): only then can someone add it.
type InviteResult struct {
	Invite string `json:"invite"`
	Ready  bool   `json:"ready"`
}

// AddParams are an invite and, optionally, what to call its owner.
type AddParams struct {
	Invite string `json:"invite"`
	Name   string `json:"name,omitempty"`
}

// AddResult is the contact added, and whether its first message left
// within [FlushWait] (else it goes out later).
type AddResult struct {
	Contact Contact `json:"contact"`
	Flushed bool    `json:"flushed"`
	Ready   bool    `json:"ready"` // our prekeys are at our home (see [InviteResult])
}

// BackupExportParams name the file to write, an absolute path on the
// server's machine.
type BackupExportParams struct {
	Path string `json:"path"`
}

// BackupExportResult is the backup's recovery key, in 16 groups of 4
// digits: it is shown this once.
type BackupExportResult struct {
	RecoveryKey string `json:"recovery_key"`
}

// method is one entry of the method table: its name, what it does, and
// its handler, which decodes the params and returns the result.
type method struct {
	name, summary  string
	params, result any // zero values, for rpc.discover
	call           func(ctx context.Context, m *chat.Messenger, params json.RawMessage) (any, error)
}

// handle makes a method from a typed handler.
func handle[P, R any](name, summary string, fn func(context.Context, *chat.Messenger, P) (R, error)) method {
	return method{name: name, summary: summary, params: new(P), result: new(R),
		call: func(ctx context.Context, m *chat.Messenger, raw json.RawMessage) (any, error) {
			var p P
			if err := decodeParams(raw, &p); err != nil {
				return nil, err
			}
			return fn(ctx, m, p)
		}}
}

// methods is the method table. Names are stable: a method, once
// published, keeps its name, params and result (new optional fields may
// be added).
var methods []method

func init() {
	methods = []method{
		handle("contacts", "List the contacts, the most recent chat first.", contacts),
		handle("messages", "Return the newest n rows of a chat (50 when n is left out), oldest first.", messages),
		handle("send", "Send a text message; wait up to wait_seconds for it to leave.", send),
		handle("verify", "Return the safety number; with code, compare and mark the contact verified.", verify),
		handle("invite", "Return the profile's invite.", invite),
		handle("add", "Add a contact from its invite; send it our name and home.", add),
		handle("requests", "List the message requests (people who wrote to us first), the most recent first.", requests),
		handle("accept", "Accept a message request: it becomes a contact and gets receipts; with as and code, it is that contact on a new key.", accept),
		handle("block", "Block a contact or request: delete its history, drop its later messages.", block),
		handle("files", "Set whether a contact's files download by themselves: auto, ask or default.", files),
		handle("mute", "Mute a contact's notifications for 1h, 8h, 1w, always, or off.", mute),
		handle("reply", "Send a text that replies to (quotes) a message of the chat.", reply),
		handle("edit", "Change the text of one of our messages, within 24 hours of sending it.", edit),
		handle("delete", "Delete a message here, or for everyone (our own, within 24 hours).", deleteMessage),
		handle("react", "Set our reaction to a message: one emoji, or \"\" to remove it.", react),
		handle("info", "Return message info: sent, delivered and read times, earlier versions.", info),
		handle("backup.export", "Write an encrypted backup to path; return its recovery key.", backupExport),
		handle("search", "Search the history of every chat, or of one, newest first.", search),
		handle("rename", "Give a contact a local name.", rename),
		handle("remove", "Remove a contact, revoking its tokens; with keep_history its chat stays.", remove),
		handle("unblock", "Unblock a blocked sender: its next message arrives as a request.", unblock),
		handle("export", "Export a chat as text or json, to path or in the result; the export is not encrypted.", export),
		handle("group.create", "Create a group of contacts, with us as its admin.", groupCreate),
		handle("group.add", "Add members to a group (admins only).", groupAdd),
		handle("group.remove", "Remove a member from a group (admins only); every member's sender key is renewed.", groupRemove),
		handle("group.leave", "Leave a group; its chat stays.", groupLeave),
		handle("group.rename", "Rename a group for every member (admins only).", groupRename),
		handle("group.promote", "Make a member an admin of a group (admins only).", groupPromote),
		handle("group.members", "Return a group and its members: verification, admin, and whether a key change holds it.", groupMembers),
		handle("group.list", "List the groups, those we left included.", groupList),
		handle("rpc.discover", "Describe the methods, their params and results.", discover),
		// Events (issue 13, part A): the durable event log.
		handle("events.read", "Read the events after a consumer's cursor (or after), waiting up to wait_seconds for one.", eventsRead),
		handle("events.ack", "Acknowledge every event up to seq for a consumer; its cursor never moves back.", eventsAck),
		handle("events.subscribe", "Stream the events after a consumer's cursor (or after) on this socket connection, as notifications \"events\", at most window unacknowledged.", eventsSubscribe),
		handle("events.unsubscribe", "End a consumer's subscription on this connection; no notification of it follows the answer.", eventsUnsubscribe),
		// Part B (issue 13): tokens, agents' conversations, read marks; roles in api/access.go.
		handle("token.create", "Make an api token (admin, agent or metrics); its text is shown this once.", tokenCreate),
		handle("token.list", "List the api tokens, revoked ones included, without their secrets.", tokenList),
		handle("token.revoke", "Revoke an api token for good; an agent's conversations go to other agents.", tokenRevoke),
		handle("conversations.mine", "List an agent's open conversations; for an admin, every open one and the queue.", conversationsMine),
		handle("conversation.assign", "Give a conversation to an agent (by its token id), whatever its load.", conversationAssign),
		handle("conversation.close", "Close a conversation: the contact's next message opens a new one; the queue moves.", conversationClose),
		handle("conversation.read", "Mark a chat read up to a row (seq; 0: all), sending read receipts.", conversationRead),
		// C: the compliance archive and the audit log (issue 13).
		handle("archive.enable", "Turn the compliance archive on (every message in and out, edits, deletions, reactions); set its retention.", archiveEnable),
		handle("archive.status", "Return the archive's state: records, segments, queue, retention, legal hold.", archiveStatus),
		handle("archive.verify", "Check the archive's whole hash chain; error 41 names the first bad record.", archiveVerify),
		handle("archive.export", "Write the archive as WARC 1.1 to path (not encrypted); audited.", archiveExport),
		handle("archive.hold", "Turn the legal hold on (with a reason) or off; under hold nothing is pruned; audited.", archiveHold),
		handle("audit.log", "Return the newest n entries of the audit log; with verify, check its hash chain first.", auditLog),
		// Webhooks (D of issue 13).
		handle("webhook.add", "Add a webhook posting every event to url, signed with secret (made when absent, returned this once).", webhookAdd),
		handle("webhook.list", "List the webhooks: url, the event being retried, the count of dead letters.", webhookList),
		handle("webhook.remove", "Remove a webhook, its dead letters and its cursor.", webhookRemove),
		handle("webhook.dead", "List the dead letters (of one webhook, or all): events given up after the maximum age.", webhookDead),
		handle("webhook.replay", "Queue dead letters for one more delivery: one by id, or all (of a webhook).", webhookReplay),
	}
}

// find returns the method of a name.
func find(name string) (method, bool) {
	for _, m := range methods {
		if m.name == name {
			return m, true
		}
	}
	return method{}, false
}

// contacts lists the contacts.
func contacts(ctx context.Context, m *chat.Messenger, p ContactsParams) (ContactsResult, error) {
	all, err := m.Summaries(ctx)
	if err != nil {
		return ContactsResult{}, err
	}
	if p.Blocked {
		blocked, err := m.Blocked(ctx)
		if err != nil {
			return ContactsResult{}, err
		}
		all = append(all, blocked...)
	}
	out := ContactsResult{Contacts: make([]Contact, 0, len(all))}
	for _, s := range all {
		if !isGroup(s) { // people only: group.list lists the groups
			out.Contacts = append(out.Contacts, newContact(s))
		}
	}
	return out, nil
}

// requests lists the message requests.
func requests(ctx context.Context, m *chat.Messenger, _ RequestsParams) (RequestsResult, error) {
	all, err := m.Requests(ctx)
	if err != nil {
		return RequestsResult{}, err
	}
	out := RequestsResult{Requests: make([]Contact, 0, len(all))}
	for _, s := range all {
		out.Requests = append(out.Requests, newContact(s))
	}
	return out, nil
}

// requestByID finds a contact row by its id only: a request is never
// reached by a name, which anyone can claim.
func requestByID(ctx context.Context, m *chat.Messenger, id string) (chat.Summary, error) {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return chat.Summary{}, errorf(CodeInvalidParams, "api: invalid params: contact must be an id")
	}
	return findContact(ctx, m, id)
}

// groupRequestByID finds a group's row by its id (as `ratchat requests`
// lists a group that a stranger added us to), or fails with
// chat.ErrNoContact.
func groupRequestByID(ctx context.Context, m *chat.Messenger, id string) (chat.Summary, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return chat.Summary{}, errorf(CodeInvalidParams, "api: invalid params: contact must be an id")
	}
	s, err := m.Summary(ctx, chat.ContactID(n))
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !s.Contact.IsGroup():
		return chat.Summary{}, fmt.Errorf("%w: %q", chat.ErrNoContact, id)
	case err != nil:
		return chat.Summary{}, err
	}
	return s, nil
}

// accept accepts a message request, as a new contact or, with as and
// code, as an existing contact's new key (the result is that contact).
func accept(ctx context.Context, m *chat.Messenger, p RequestParams) (RequestResult, error) {
	if (p.As == "") != (p.Code == "") {
		return RequestResult{}, errorf(CodeInvalidParams, "api: invalid params: as and code go together")
	}
	s, err := requestByID(ctx, m, p.Contact)
	if errors.Is(err, chat.ErrNoContact) && p.As == "" {
		s, err = groupRequestByID(ctx, m, p.Contact) // a group that a stranger added us to
	}
	if err != nil {
		return RequestResult{}, err
	}
	if p.As == "" {
		return RequestResult{ID: int64(s.Contact.ID)}, m.Accept(ctx, s.Contact.ID)
	}
	into, err := findContact(ctx, m, p.As)
	if err != nil {
		return RequestResult{}, err
	}
	return RequestResult{ID: int64(into.Contact.ID)}, m.AcceptAsKeyChange(ctx, s.Contact.ID, into.Contact.ID, p.Code)
}

// block blocks a contact or request.
func block(ctx context.Context, m *chat.Messenger, p RequestParams) (RequestResult, error) {
	s, err := requestByID(ctx, m, p.Contact)
	if err != nil {
		return RequestResult{}, err
	}
	return RequestResult{ID: int64(s.Contact.ID)}, m.Block(ctx, s.Contact.ID)
}

// findContact looks a contact up by id or name and returns its summary.
func findContact(ctx context.Context, m *chat.Messenger, nameOrID string) (chat.Summary, error) {
	if nameOrID == "" {
		return chat.Summary{}, errorf(CodeInvalidParams, "api: invalid params: contact is missing")
	}
	c, err := m.FindContact(ctx, nameOrID)
	if err != nil {
		return chat.Summary{}, err
	}
	return m.Summary(ctx, c.ID)
}

// findChat looks a chat up by id or name: a contact's or a group's. A
// name that is both a contact's and a group's is ambiguous (use the id):
// a message meant for a group must never reach one person, nor the
// other way round.
func findChat(ctx context.Context, m *chat.Messenger, nameOrID string) (chat.Summary, error) {
	s, err := findContact(ctx, m, nameOrID)
	if err != nil && !errors.Is(err, chat.ErrNoContact) {
		return s, err
	}
	if _, numErr := strconv.ParseInt(nameOrID, 10, 64); err == nil && numErr == nil {
		return s, nil // an id names one row: no group has it
	}
	groups, gerr := m.Groups(ctx)
	if gerr != nil {
		return chat.Summary{}, gerr
	}
	found := matchGroups(groups, nameOrID)
	switch {
	case len(found) == 0:
		return s, err
	case err == nil:
		return chat.Summary{}, fmt.Errorf("%w (%q is a contact and a group: use the id)", chat.ErrAmbiguous, nameOrID)
	case len(found) > 1:
		return chat.Summary{}, fmt.Errorf("%w (%q: several groups have that name; use the id)", chat.ErrAmbiguous, nameOrID)
	}
	return m.Summary(ctx, found[0].Conversation)
}

// messages returns a chat's newest rows, a page at a time.
func messages(ctx context.Context, m *chat.Messenger, p MessagesParams) (MessagesResult, error) {
	if p.N == 0 {
		p.N = DefaultMessages
	}
	if p.N < 1 || p.N > MaxMessages {
		return MessagesResult{}, errorf(CodeInvalidParams, "api: invalid params: n must be from 1 to %d", MaxMessages)
	}
	s, err := findChat(ctx, m, p.Contact)
	if err != nil {
		return MessagesResult{}, err
	}
	var rows []chat.Message
	var cur chat.Cursor
	for len(rows) < p.N {
		page, prev, err := m.Messages(ctx, s.Contact.ID, cur, min(p.N-len(rows), messagesPage))
		if err != nil {
			return MessagesResult{}, err
		}
		rows = append(page, rows...)
		if prev == 0 || len(page) == 0 {
			break
		}
		cur = prev
	}
	out := MessagesResult{Contact: newContact(s), Messages: make([]Message, 0, len(rows))}
	name := func(chat.ContactID) string { return "" }
	if isGroup(s) {
		g, err := m.Group(ctx, s.Contact.ID)
		if err != nil {
			return MessagesResult{}, err
		}
		name = senderNames(ctx, m, g)
	}
	for _, r := range rows {
		j := newMessage(r)
		if r.Sender != 0 {
			j.Sender, j.SenderID = name(r.Sender), int64(r.Sender)
		}
		out.Messages = append(out.Messages, j)
	}
	return out, nil
}

// send sends a text and waits for it to leave.
func send(ctx context.Context, m *chat.Messenger, p SendParams) (SendResult, error) {
	wait := time.Duration(p.WaitSeconds * float64(time.Second))
	if p.WaitSeconds < 0 || wait > MaxWait {
		return SendResult{}, errorf(CodeInvalidParams, "api: invalid params: wait_seconds must be from 0 to %v", MaxWait.Seconds())
	}
	if p.Text == "" {
		return SendResult{}, errorf(CodeInvalidParams, "api: invalid params: text is empty")
	}
	s, err := sendTarget(ctx, m, p.Contact)
	if err != nil {
		return SendResult{}, err
	}
	msg, err := m.Send(ctx, s.Contact.ID, p.Text)
	if err != nil && isGroup(s) {
		return SendResult{}, heldErr(err)
	} else if err != nil {
		return SendResult{}, err
	}
	out := SendResult{ID: newMessage(msg).ID, Seq: msg.Seq, Status: msg.Status.String()}
	if wait == 0 {
		return out, nil
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	status, err := m.WaitSent(wctx, s.Contact.ID, msg.ID)
	out.Status = status.String()
	if errors.Is(err, chat.ErrTimeout) {
		e := toError(fmt.Errorf("%w: not sent within %v", err, wait))
		e.Data.Message = &out
		return out, e
	}
	return out, err
}

// sendTarget finds the chat that send writes to. A contact named by its
// id is looked up alone, without the summary of every chat that findChat
// makes (at 100 contacts that was 43 % of the send path's CPU); a name,
// or a group's id, goes through findChat, which tells a contact's name
// from a group's.
func sendTarget(ctx context.Context, m *chat.Messenger, nameOrID string) (chat.Summary, error) {
	if _, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		if c, err := m.FindContact(ctx, nameOrID); err == nil {
			return chat.Summary{Contact: c}, nil
		}
	}
	return findChat(ctx, m, nameOrID)
}

// verify returns the safety number, or checks a code against it.
func verify(ctx context.Context, m *chat.Messenger, p VerifyParams) (VerifyResult, error) {
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return VerifyResult{}, err
	}
	if p.Code != "" {
		if err := m.VerifyCode(ctx, s.Contact.ID, p.Code); err != nil {
			return VerifyResult{}, err
		}
		if s, err = m.Summary(ctx, s.Contact.ID); err != nil {
			return VerifyResult{}, err
		}
	}
	sn, err := m.SafetyNumber(ctx, s.Contact.ID)
	if err != nil {
		return VerifyResult{}, err
	}
	return VerifyResult{Contact: newContact(s), SafetyNumber: sn.String(), Verified: s.Contact.Verified}, nil
}

// invite returns the invite.
func invite(ctx context.Context, m *chat.Messenger, _ InviteParams) (InviteResult, error) {
	text, err := m.Invite()
	if err != nil {
		return InviteResult{}, err
	}
	return InviteResult{Invite: text, Ready: ready(ctx, m)}, nil
}

// ready waits up to [ReadyWait] for the profile's prekeys to be at its home.
func ready(ctx context.Context, m *chat.Messenger) bool {
	rctx, cancel := context.WithTimeout(ctx, ReadyWait)
	defer cancel()
	return m.Ready(rctx) == nil
}

// add adds a contact and waits a little for its first message to leave.
func add(ctx context.Context, m *chat.Messenger, p AddParams) (AddResult, error) {
	fctx, cancel := context.WithTimeout(ctx, FlushWait)
	defer cancel()
	c, err := m.AddContact(fctx, p.Invite, p.Name)
	if err != nil {
		return AddResult{}, err
	}
	flushed := m.Flush(fctx)
	s, err := m.Summary(ctx, c.ID)
	if err != nil {
		return AddResult{}, err
	}
	return AddResult{Contact: newContact(s), Flushed: flushed, Ready: ready(ctx, m)}, nil
}

// backupExport writes a backup.
func backupExport(ctx context.Context, m *chat.Messenger, p BackupExportParams) (BackupExportResult, error) {
	// Why absolute only: the server's working folder is not the caller's,
	// and a relative path would land somewhere the caller did not mean.
	if !filepath.IsAbs(p.Path) {
		return BackupExportResult{}, errorf(CodeInvalidParams, "api: invalid params: path must be absolute")
	}
	key, err := m.ExportBackup(ctx, p.Path, nil)
	if err != nil {
		return BackupExportResult{}, err
	}
	return BackupExportResult{RecoveryKey: key.Display()}, nil
}

// FilesParams name a contact (by id or name) and its file policy: "auto"
// (its files download by themselves), "ask" (they wait for acceptance) or
// "default" (auto for a verified contact, ask otherwise).
type FilesParams struct {
	Contact string `json:"contact"`
	Policy  string `json:"policy"`
}

// FilesResult is the contact whose policy was set.
type FilesResult struct {
	ID     int64  `json:"id"`
	Policy string `json:"policy"`
}

// filesPolicies are the policies by name.
var filesPolicies = map[string]chat.FilesPolicy{"default": chat.FilesDefault, "auto": chat.FilesAuto, "ask": chat.FilesAsk}

// files sets a contact's file policy.
func files(ctx context.Context, m *chat.Messenger, p FilesParams) (FilesResult, error) {
	policy, ok := filesPolicies[p.Policy]
	if !ok {
		return FilesResult{}, errorf(CodeInvalidParams, "api: invalid params: policy is auto, ask or default")
	}
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return FilesResult{}, err
	}
	return FilesResult{ID: int64(s.Contact.ID), Policy: p.Policy}, m.SetFilesPolicy(ctx, s.Contact.ID, policy)
}

// MuteParams name a contact (by id or name) and how long to mute its
// notifications: "1h", "8h", "1w", "always" or "off".
type MuteParams struct {
	Contact string `json:"contact"`
	For     string `json:"for"`
}

// MuteResult is the contact and until when it is muted (absent: not muted).
type MuteResult struct {
	ID    int64     `json:"id"`
	Until time.Time `json:"until,omitzero"`
}

// mute mutes or unmutes a contact's notifications.
func mute(ctx context.Context, m *chat.Messenger, p MuteParams) (MuteResult, error) {
	until, err := chat.ParseMute(p.For, time.Now())
	if err != nil {
		return MuteResult{}, errorf(CodeInvalidParams, "api: invalid params: for is 1h, 8h, 1w, always or off")
	}
	s, err := findChat(ctx, m, p.Contact)
	if err != nil {
		return MuteResult{}, err
	}
	return MuteResult{ID: int64(s.Contact.ID), Until: until}, m.Mute(ctx, s.Contact.ID, until)
}
