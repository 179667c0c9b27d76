package transport

import "fmt"

// OK answers a request that succeeded and has nothing else to say (Auth,
// UploadPreKeys, Fetch, Ack).
type OK struct{}

// Ping asks the other side to answer with a [Pong]. Owners send one now
// and then so that an idle home does not time them out.
type Ping struct{}

// Pong answers a [Ping].
type Pong struct{}

// MaxErrorText bounds the text of an [Error].
const MaxErrorText = 200

// Error answers a request that failed, or (with request id 0) says why
// the home is closing the connection. Text is short, printable ASCII, and
// never holds content or keys.
type Error struct {
	Code ErrorCode
	Text string
}

// ErrorCode says why a request failed. Values are part of the wire format.
type ErrorCode uint16

// The error codes.
const (
	CodeMalformed        ErrorCode = 1  // the request could not be parsed
	CodeUnexpected       ErrorCode = 2  // a kind that is not a request, or a second Auth
	CodeNotAuthenticated ErrorCode = 3  // an owner-only request on an unauthenticated connection
	CodeAuthFailed       ErrorCode = 4  // the Auth signature did not verify
	CodeForbidden        ErrorCode = 5  // this identity may not use this home
	CodeUnknownRecipient ErrorCode = 6  // no mailbox for that identity here
	CodeNoPreKeys        ErrorCode = 7  // the owner has not uploaded prekeys
	CodeBadPreKeys       ErrorCode = 8  // an uploaded prekey's signature did not verify
	CodeQuotaExceeded    ErrorCode = 9  // the mailbox (or prekey store) is full
	CodeRateLimited      ErrorCode = 10 // too many requests on this connection or from this address; slow down
	CodeBusy             ErrorCode = 11 // too many connections (in all or from this address), or the mailbox store cannot answer now; try later
	CodeTimeout          ErrorCode = 12 // the connection was idle or too slow
	CodeShuttingDown     ErrorCode = 13 // the home is stopping; try later
	CodeInternal         ErrorCode = 14 // the home failed (its disk, say); try later
	CodeReplaced         ErrorCode = 15 // the owner connected again elsewhere
	CodeHomeFull         ErrorCode = 16 // the home holds all the bytes or mailboxes it may; try later
	CodeTokenRequired    ErrorCode = 17 // a deposit without a deposit token
	CodeTokenRefused     ErrorCode = 18 // a deposit token the owner never registered, or revoked
)

var codeNames = map[ErrorCode]string{
	CodeMalformed: "malformed", CodeUnexpected: "unexpected", CodeNotAuthenticated: "not authenticated",
	CodeAuthFailed: "authentication failed", CodeForbidden: "forbidden",
	CodeUnknownRecipient: "unknown recipient", CodeNoPreKeys: "no prekeys",
	CodeBadPreKeys: "bad prekeys", CodeQuotaExceeded: "quota exceeded",
	CodeRateLimited: "rate limited", CodeBusy: "busy", CodeTimeout: "timeout",
	CodeShuttingDown: "shutting down", CodeInternal: "internal error", CodeReplaced: "replaced",
	CodeHomeFull: "home full", CodeTokenRequired: "token required", CodeTokenRefused: "token refused",
}

// String returns the code's name.
func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("code(%d)", uint16(c))
}

// Kind returns [KindOK].
func (*OK) Kind() Kind { return KindOK }

// Kind returns [KindPing].
func (*Ping) Kind() Kind { return KindPing }

// Kind returns [KindPong].
func (*Pong) Kind() Kind { return KindPong }

// Kind returns [KindError].
func (*Error) Kind() Kind { return KindError }

func (*OK) appendBody(b []byte) []byte   { return b }
func (*Ping) appendBody(b []byte) []byte { return b }
func (*Pong) appendBody(b []byte) []byte { return b }

// appendBody writes the code (2 bytes) and the text (the rest). Unknown
// codes are allowed, so that a newer home's codes still parse.
func (e *Error) appendBody(b []byte) []byte {
	b = append(b, byte(e.Code>>8), byte(e.Code))
	return append(b, e.Text...)
}

// parseError refuses a text that is too long or holds anything but
// printable ASCII: it may end up on a terminal.
func parseError(r *reader) Message {
	e := &Error{Code: ErrorCode(r.U16())}
	text := r.Rest()
	if len(text) > MaxErrorText || !printableASCII(text) {
		r.fail("error text")
	}
	e.Text = string(text)
	return e
}

// printableASCII reports whether b holds only bytes 0x20 to 0x7E.
func printableASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
