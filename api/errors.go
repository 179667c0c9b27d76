package api

import (
	"errors"
	"fmt"

	"ratchat/archive"
	"ratchat/chat"
	"ratchat/store"
)

// Errors of the protocol itself, each the cause behind one error code (see
// [Error.Unwrap]).
var (
	// ErrNotRunning is returned by [Dial] (wrapping the cause) when no
	// process listens on the profile's socket: nobody owns the profile, so
	// the caller may open it itself.
	ErrNotRunning = errors.New("api: no ratchat runs on this profile")
	// ErrParse is the cause of [CodeParse]: a request that is not JSON.
	ErrParse = errors.New("api: parse error")
	// ErrInvalidRequest is the cause of [CodeInvalidRequest]: JSON that
	// is no JSON-RPC 2.0 request.
	ErrInvalidRequest = errors.New("api: invalid request")
	// ErrMethodNotFound is the cause of [CodeMethodNotFound].
	ErrMethodNotFound = errors.New("api: no such method")
	// ErrInvalidParams is the cause of [CodeInvalidParams]: params that
	// are not the method's object, or break one of its bounds.
	ErrInvalidParams = errors.New("api: invalid params")
	// ErrInternal is the cause of [CodeInternal]: the messenger failed
	// (a disk, a network); the error's data says how.
	ErrInternal = errors.New("api: internal error")
	// ErrTooLarge is the cause of [CodeTooLarge]: a request (or, for the
	// client, a response) over its size limit.
	ErrTooLarge = errors.New("api: message too large")
	// ErrBusy is the cause of [CodeBusy]: the server has as many
	// connections as it takes.
	ErrBusy = errors.New("api: too many connections")
	// ErrForbidden is the cause of [CodeForbidden]: the caller's role
	// does not allow the method, or an agent named a conversation that is
	// not assigned to it.
	ErrForbidden = errors.New("api: forbidden")
	// ErrSocketOnly is the cause of [CodeSocketOnly]: events.subscribe
	// (and events.unsubscribe) called where no connection can carry a
	// stream (HTTP's /rpc, an in-process call); HTTP has GET /events.
	ErrSocketOnly = errors.New("api: events.subscribe streams on the socket only (over HTTP: GET /events)")
	// ErrNotSubscribed is the cause of [CodeNotSubscribed]:
	// events.unsubscribe of a consumer with no subscription on the
	// connection.
	ErrNotSubscribed = errors.New("api: the consumer has no subscription on this connection")
)

// The error codes. Those from -32700 to -32600 are JSON-RPC 2.0's own;
// -32000 to -32099 are the range it leaves to servers for protocol
// trouble; positive codes are ratchat's, one per cause a caller can act
// on. They are stable: a code, once published, keeps its meaning.
const (
	CodeParse          = -32700 // the request is not JSON
	CodeInvalidRequest = -32600 // JSON, but no JSON-RPC 2.0 request
	CodeMethodNotFound = -32601 // no such method
	CodeInvalidParams  = -32602 // params do not fit the method
	CodeInternal       = -32603 // the messenger failed; data.detail says how
	CodeTooLarge       = -32001 // the request is over MaxRequestSize
	CodeBusy           = -32002 // too many connections; try again

	CodeNoContact     = 1  // no contact has that name or id
	CodeAmbiguous     = 2  // several contacts have that name: use the id
	CodeCodeMismatch  = 3  // the safety numbers differ
	CodeMalformedCode = 4  // the code is no safety number at all
	CodeTimeout       = 5  // not sent in time; the message stays queued
	CodeInvalidInvite = 6  // the invite cannot be read
	CodeOwnInvite     = 7  // the invite is the profile's own
	CodeKeyChanged    = 8  // the contact's key changed; accept it first
	CodeNotAccepted   = 9  // a message request or blocked sender: accept it first
	CodeNotRequest    = 10 // accept: that is no message request

	// Message actions (reply, edit, delete, react, info). They start at
	// 20, leaving 11 to 19 to the contact methods.
	CodeNoMessage        = 20 // the chat has no message with that id
	CodeAmbiguousMessage = 21 // several ids start so: give more of the id
	CodeNotOwnMessage    = 22 // only the sender edits or deletes for everyone
	CodeEditWindow       = 23 // the message is older than 24 hours
	CodeTooManyEdits     = 24 // the message was edited too often
	CodeNotActionable    = 25 // a line of the messenger's own, or deleted
	CodeBadEmoji         = 26 // a reaction is one emoji

	// Groups.
	CodeNotGroup  = 27 // no such group, or we are not (or no more) a member, or that is no member
	CodeNotAdmin  = 28 // only a group's admins change it
	CodeGroupHeld = 29 // a member's identity key changed: accept it (verify) first

	// Events (issue 13, part A: 30-34).
	CodeEventConsumer = 30 // the consumer's name is empty, too long or not UTF-8
	CodeAckAhead      = 31 // events.ack past the newest event
	CodeSocketOnly    = 32 // events.subscribe outside the socket (HTTP streams on GET /events)
	CodeNotSubscribed = 33 // events.unsubscribe of a consumer not subscribed on this connection
	// Access (tokens, roles, agents): 35 to 39.
	CodeForbidden    = 35 // the caller's role may not call this, or not on that conversation
	CodeNoToken      = 36 // no api token has that id
	CodeNotOpen      = 37 // the conversation is not open (not assigned, nor waiting)
	CodeNoAgent      = 38 // no live agent token has that id
	CodeBadTokenSpec = 39 // token.create: a role, name, skill or max chats out of bounds
	// The compliance archive and the audit log (issue 13, part C).
	CodeArchiveOff       = 40 // the archive was never enabled: archive.enable first
	CodeArchiveBroken    = 41 // the archive does not verify; data.detail names the record and why
	CodeAuditBroken      = 42 // the audit log does not verify; data.detail names the entry
	CodeArchiveAhead     = 43 // the archive holds records the profile does not account for (rolled back?)
	CodeInvalidRetention = 44 // a retention is "7y", "90d" or a duration of at least a day

	// Webhooks (D of issue 13: 45 to 49).
	CodeNoWebhook      = 45 // no webhook has that id
	CodeInvalidWebhook = 46 // not an absolute http(s) URL, or a secret too short or long
	CodeNoDeadLetter   = 47 // no dead letter has that id

	// The archive after a restore (50 to 51).
	CodeArchiveKey     = 50 // the archive's key file does not open under this profile's identity
	CodeArchiveForeign = 51 // archive.enable over a folder of records with no key file for them
)

// cause ties an error code to its name in [ErrorData] and to the error a
// Go caller checks with [errors.Is]. One table serves both directions: the
// server maps an error to its code, the client a code back to the error.
type cause struct {
	code int
	name string
	err  error
}

// causes are checked in order: the first whose err matches gives the code.
var causes = []cause{
	{CodeNoContact, "no_such_contact", chat.ErrNoContact},
	{CodeAmbiguous, "ambiguous_contact", chat.ErrAmbiguous},
	{CodeCodeMismatch, "code_mismatch", chat.ErrCodeMismatch},
	{CodeMalformedCode, "malformed_code", chat.ErrMalformedCode},
	{CodeTimeout, "timeout", chat.ErrTimeout},
	{CodeInvalidInvite, "invalid_invite", chat.ErrInvalidInvite},
	{CodeOwnInvite, "own_invite", chat.ErrSelf},
	{CodeKeyChanged, "key_changed", errKeyChanged},
	{CodeNotAccepted, "not_accepted", chat.ErrNotAccepted},
	{CodeNotRequest, "not_request", chat.ErrNotRequest},
	{CodeNoMessage, "no_such_message", chat.ErrNoMessage},
	{CodeAmbiguousMessage, "ambiguous_message", chat.ErrAmbiguousMessage},
	{CodeNotOwnMessage, "not_own_message", chat.ErrNotOwnMessage},
	{CodeEditWindow, "edit_window", chat.ErrEditWindow},
	{CodeTooManyEdits, "too_many_edits", chat.ErrTooManyEdits},
	{CodeNotActionable, "not_actionable", chat.ErrNotActionable},
	{CodeBadEmoji, "bad_emoji", chat.ErrBadEmoji},
	{CodeNotGroup, "not_group", chat.ErrNotGroup},
	{CodeNotGroup, "not_member", chat.ErrNotMember},
	{CodeNotAdmin, "not_admin", chat.ErrNotAdmin},
	{CodeGroupHeld, "group_held", errGroupHeld},
	{CodeEventConsumer, "bad_consumer", chat.ErrEventConsumer},
	{CodeAckAhead, "ack_ahead", chat.ErrAckAhead},
	{CodeSocketOnly, "socket_only", ErrSocketOnly},
	{CodeNotSubscribed, "not_subscribed", ErrNotSubscribed},
	{CodeForbidden, "forbidden", ErrForbidden},
	{CodeNoToken, "no_such_token", chat.ErrBadToken},
	{CodeNotOpen, "not_open", chat.ErrNotOpen},
	{CodeNoAgent, "no_such_agent", chat.ErrNoAgent},
	{CodeBadTokenSpec, "invalid_token", chat.ErrBadTokenSpec},
	{CodeArchiveOff, "archive_off", chat.ErrArchiveOff},
	{CodeArchiveBroken, "archive_broken", archive.ErrBroken},
	{CodeAuditBroken, "audit_broken", store.ErrAuditBroken},
	{CodeArchiveAhead, "archive_ahead", chat.ErrArchiveAhead},
	{CodeInvalidRetention, "invalid_retention", chat.ErrRetention},
	{CodeNoWebhook, "no_such_webhook", chat.ErrNoWebhook},
	{CodeInvalidWebhook, "invalid_webhook", chat.ErrInvalidWebhook},
	{CodeNoDeadLetter, "no_such_dead_letter", chat.ErrNoDeadLetter},
	{CodeArchiveKey, "archive_key", chat.ErrArchiveKeyFile},
	{CodeArchiveForeign, "archive_foreign", chat.ErrArchiveForeign},
	{CodeParse, "parse_error", ErrParse},
	{CodeInvalidRequest, "invalid_request", ErrInvalidRequest},
	{CodeMethodNotFound, "method_not_found", ErrMethodNotFound},
	{CodeInvalidParams, "invalid_params", ErrInvalidParams},
	{CodeTooLarge, "too_large", ErrTooLarge},
	{CodeBusy, "busy", ErrBusy},
	{CodeInternal, "internal", ErrInternal},
}

// errKeyChanged stands for a [*chat.IdentityChangedError] on the client
// side, which has no contact to put in one.
var errKeyChanged = errors.New("chat: the contact's identity key changed; accept it before sending")

// Error is a JSON-RPC 2.0 error object: what a call returns when it
// fails, on the wire and from [Client.Call].
type Error struct {
	// Code says what went wrong; see the Code constants.
	Code int `json:"code"`
	// Message says it in words, for a person.
	Message string `json:"message"`
	// Data says more, for a program.
	Data *ErrorData `json:"data,omitempty"`
}

// ErrorData is the data of every error ratchat's api returns.
type ErrorData struct {
	// Cause names the code in words ("no_such_contact"), as stable as it.
	Cause string `json:"cause"`
	// Detail is the full error chain, for a log.
	Detail string `json:"detail,omitempty"`
	// Message is the message a send queued before it timed out: it stays
	// queued and goes out later.
	Message *SendResult `json:"message,omitempty"`
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the error a code stands for (chat.ErrNoContact for
// CodeNoContact ...), so that callers check errors the same way whether
// a call went through the socket or not.
func (e *Error) Unwrap() error {
	for _, c := range causes {
		if c.code == e.Code {
			return c.err
		}
	}
	return nil
}

// toError makes the error object of err: its code from the cause table,
// CodeInternal when nothing there matches.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var changed *chat.IdentityChangedError
	if errors.As(err, &changed) {
		err = fmt.Errorf("%w (contact %d)", errKeyChanged, changed.Contact)
	}
	for _, c := range causes {
		if errors.Is(err, c.err) {
			return &Error{Code: c.code, Message: err.Error(), Data: &ErrorData{Cause: c.name, Detail: err.Error()}}
		}
	}
	return &Error{Code: CodeInternal, Message: err.Error(), Data: &ErrorData{Cause: "internal", Detail: err.Error()}}
}

// errorf makes a protocol error with a code of the table and a message.
func errorf(code int, format string, a ...any) *Error {
	msg := fmt.Sprintf(format, a...)
	for _, c := range causes {
		if c.code == code {
			return &Error{Code: code, Message: msg, Data: &ErrorData{Cause: c.name}}
		}
	}
	panic(fmt.Sprintf("api: error code %d is not in the table", code)) // a broken invariant
}
