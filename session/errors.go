package session

import (
	"errors"
	"fmt"
)

// Errors returned by this package, checked with [errors.Is]. Whenever
// decryption fails with any of them, the session is left exactly as it was.
var (
	// ErrMalformed is returned when a message, or a serialized session,
	// cannot be parsed: truncated, oversized, a missing or repeated field, a
	// bad key. The wrapping error says which part.
	ErrMalformed = errors.New("session: malformed message")

	// ErrNoCounter is returned, with [ErrMalformed], for a SignalMessage
	// without its counter field, which libsignal refuses as well.
	ErrNoCounter = errors.New("session: signal message without a counter")

	// ErrVersion is returned for a message version ratchat does not speak
	// (it speaks 3, X3DH, and 4, PQXDH).
	ErrVersion = errors.New("session: unsupported message version")

	// ErrBadMAC is returned when a message's MAC does not verify: it was
	// altered, or it belongs to another session.
	ErrBadMAC = errors.New("session: message authentication failed")

	// ErrBadPadding is returned when the AES-CBC plaintext's PKCS#7 padding
	// is wrong after a MAC that verified, which only a broken sender causes.
	ErrBadPadding = errors.New("session: bad padding")

	// ErrDuplicate is returned for a message whose key was already used:
	// a replay, or a duplicate delivery.
	ErrDuplicate = errors.New("session: duplicate message")

	// ErrTooOld is returned for a message from a sending chain the session
	// no longer keeps, or whose skipped key was evicted.
	ErrTooOld = errors.New("session: message too old")

	// ErrTooFarAhead is returned when a message's counter is more than
	// [MaxForwardJump] ahead of its chain.
	ErrTooFarAhead = errors.New("session: message too far in the future")

	// ErrNoSession is returned when a SignalMessage arrives for a contact
	// with no session, or none of whose sessions knows the message.
	ErrNoSession = errors.New("session: no session for message")

	// ErrUnknownPreKey is returned when a PreKeySignalMessage names a prekey
	// that the local side does not have (any more): the [PreKeys] lookup
	// said [ErrNoSuchPreKey]. A lookup that fails for any other reason is
	// not this error (see [PreKeys]).
	ErrUnknownPreKey = errors.New("session: unknown prekey")

	// ErrNoSuchPreKey is what a [PreKeys] implementation returns, or wraps,
	// when it holds no prekey with the id asked for. It is the one lookup
	// failure that is the peer's to answer for: Decrypt turns it into
	// [ErrUnknownPreKey].
	ErrNoSuchPreKey = errors.New("session: no such prekey")

	// ErrBadBundle is returned when a prekey bundle's signatures do not
	// verify or it lacks the signed prekey.
	ErrBadBundle = errors.New("session: invalid prekey bundle")

	// ErrUntrustedIdentity is returned when a message's identity key differs
	// from the one the caller expects for the contact.
	ErrUntrustedIdentity = errors.New("session: untrusted identity")

	// ErrPQRatchet is returned when the SPQR message of a SignalMessage
	// (field 5) is refused by the session's SPQR state: a message without
	// one in a session that requires SPQR (wrapping
	// [spqr.ErrMinimumVersion], as libsignal's "post-quantum ratchet
	// error: Minimum version"), a forged or garbled braid message, a key
	// out of the SPQR chain's range. The spqr error is wrapped too.
	ErrPQRatchet = errors.New("session: post-quantum ratchet error")

	// ErrNoSenderKey is returned when a SenderKeyMessage names a
	// distribution or chain the [SenderKeyRecord] holds no state for (the
	// sender's distribution message has not arrived, or its chain was
	// dropped), and by [SenderKeyRecord.Encrypt] on a record that holds no
	// sender key of our own. The remedy is a (new) distribution message:
	// unlike the other errors of [IsProtocolError], the message may
	// decrypt once it has arrived, so a caller may keep the message and
	// ask the sender for it.
	ErrNoSenderKey = errors.New("session: no sender key for message")

	// ErrWrongDistribution is returned by [SenderKeyRecord.Process] for a
	// distribution message of another distribution than the record's:
	// a record holds one distribution of one member.
	ErrWrongDistribution = errors.New("session: sender key of another distribution")
)

// protocolErrors are the errors that judge what a peer sent: a message
// that fails with one of them fails the same way however often it comes.
// A new error about a message or a bundle belongs in this list.
var protocolErrors = []error{
	ErrMalformed, ErrNoCounter, ErrVersion, ErrBadMAC, ErrBadPadding, ErrDuplicate, ErrTooOld,
	ErrTooFarAhead, ErrNoSession, ErrUnknownPreKey, ErrBadBundle, ErrUntrustedIdentity, ErrPQRatchet,
	ErrNoSenderKey, ErrWrongDistribution,
}

// IsProtocolError reports whether err is this package's verdict on a
// message or a bundle (it matches one of the errors above other than
// [ErrNoSuchPreKey]): a message failing so can be dropped, since it never
// decrypts. Any other error from [Session.Decrypt] is local (a [PreKeys]
// store failing, randomness failing) and the message is worth retrying.
func IsProtocolError(err error) bool {
	for _, target := range protocolErrors {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// malformed wraps [ErrMalformed] with what was wrong; a %w in format
// keeps that cause too.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
