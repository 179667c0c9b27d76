package transport

import (
	"errors"
	"fmt"

	"ratchat/transport/mailbox"
)

// Errors returned by this package. Callers check them with [errors.Is]; the
// returned errors may wrap them with more context. None of them ever
// carries key material or message content.
var (
	// ErrMalformed is returned by every decoder for input that is not
	// exactly a canonical encoding of what it reads: wrong lengths, unknown
	// kinds, trailing bytes, out-of-range counts, invalid keys.
	ErrMalformed = errors.New("transport: malformed message")

	// ErrUnexpected is returned when a peer sends a message of a kind that
	// is not valid at that point of the conversation.
	ErrUnexpected = errors.New("transport: unexpected message")

	// ErrEnvelope is returned by [OpenEnvelope] and [ParseEnvelope] for an
	// envelope that is structurally wrong (length, version, padding).
	ErrEnvelope = errors.New("transport: malformed envelope")

	// ErrEnvelopeAuth is returned by [OpenEnvelope] when an envelope fails
	// to decrypt: it was not sealed to this identity key, or was altered.
	ErrEnvelopeAuth = errors.New("transport: envelope authentication failed")

	// ErrMessageSize is returned by [SealEnvelope] for an empty message or
	// one longer than [MaxSealedMessageSize].
	ErrMessageSize = errors.New("transport: message too large to seal")

	// ErrMessageType is returned by [SealEnvelope] and [OpenEnvelope] for a
	// message type other than [TypeSignal] and [TypePreKey].
	ErrMessageType = errors.New("transport: unknown message type")

	// ErrInvite is returned by [ParseInvite] (wrapped with a precise
	// reason) and by [Invite.String] for an invite that cannot be encoded.
	ErrInvite = errors.New("transport: invalid invite")

	// ErrInviteChecksum is returned by [ParseInvite] (together with
	// [ErrInvite]) when the checksum does not match: a mistyped invite.
	ErrInviteChecksum = errors.New("transport: invite checksum mismatch (mistyped?)")

	// ErrAllowList is wrapped by every error of [ParseAllowList] and
	// [ReadAllowList] about the list's content: a line that is neither an
	// invite nor an identity key (its line number and cause follow).
	ErrAllowList = errors.New("transport: invalid allow-list")

	// ErrAllowListEmpty is returned by [ParseAllowList] for a list without
	// a single entry. It wraps [ErrAllowList].
	ErrAllowListEmpty = fmt.Errorf("%w: no entries", ErrAllowList)

	// ErrAllowListSize is returned by [ParseAllowList] for a line longer
	// than [MaxAllowLine] or a list of more than [MaxAllowEntries]. It
	// wraps [ErrAllowList].
	ErrAllowListSize = fmt.Errorf("%w: too large", ErrAllowList)

	// ErrUnreachable is returned by [Dial] and [DialAnonymous] when no
	// home answered at the address: connection refused, timeout, a peer
	// that went away during the handshake. Retrying later may succeed.
	ErrUnreachable = errors.New("transport: home unreachable")

	// ErrConnectionLost is returned by a [Conn] method when the connection
	// broke (or timed out) before the answer came. Retrying on a new
	// connection may succeed; the request may or may not have been done.
	ErrConnectionLost = errors.New("transport: connection lost")

	// ErrClosed is returned by a [Conn] method called after [Conn.Close],
	// and by [Server.Serve] after [Server.Shutdown] or [Server.Close].
	ErrClosed = errors.New("transport: closed")

	// ErrRefused is wrapped by every [*RefusedError]: the home answered
	// and said no. Use [errors.As] to read the [ErrorCode].
	ErrRefused = errors.New("transport: refused by home")

	// ErrWrongHome is returned by [Dial] when the home's identity key is
	// not the one [ClientOptions.HomeIdentity] pins.
	ErrWrongHome = errors.New("transport: home identity key mismatch")

	// ErrBadBundle is returned by [Conn.FetchBundle] when the home handed
	// out a bundle that does not verify or belongs to someone else.
	ErrBadBundle = errors.New("transport: home sent an invalid bundle")

	// ErrDataDirInUse is returned by [NewServer] (inside a
	// [*mailbox.LockedError], which names the folder) when another home,
	// in this process or another, has the same DataDir open: two homes
	// on one database would hand out the same envelope ids.
	ErrDataDirInUse = mailbox.ErrLocked

	// ErrConfig is returned by [NewServer] for an unusable [Config].
	ErrConfig = errors.New("transport: invalid server configuration")
)

// FrameTooLargeError is returned when a frame's declared length exceeds
// the limit. It is detected from the 4-byte prefix alone, before anything
// is allocated. It wraps [ErrMalformed].
type FrameTooLargeError struct {
	Size uint32 // the declared (or attempted) body length
	Max  uint32 // the limit it exceeds
}

// Error describes the sizes; it names no content.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("transport: frame of %d bytes exceeds the %d-byte limit", e.Size, e.Max)
}

// Unwrap returns [ErrMalformed].
func (e *FrameTooLargeError) Unwrap() error { return ErrMalformed }

// RefusedError is returned by a [Conn] method when the home answered with
// an [Error] message. It wraps [ErrRefused].
type RefusedError struct {
	Code ErrorCode // why; see the Code constants
	Text string    // the home's short explanation, sanitized to printable ASCII
}

// Error prints the code's name and the home's text.
func (e *RefusedError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("transport: refused by home: %s", e.Code)
	}
	return fmt.Sprintf("transport: refused by home: %s: %s", e.Code, e.Text)
}

// Unwrap returns [ErrRefused].
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Temporary reports whether the same request may succeed later without a
// change on the caller's side (rate limit, busy or restarting home, full
// mailbox).
func (e *RefusedError) Temporary() bool {
	switch e.Code {
	case CodeRateLimited, CodeBusy, CodeShuttingDown, CodeQuotaExceeded, CodeInternal, CodeHomeFull:
		return true
	}
	return false
}
