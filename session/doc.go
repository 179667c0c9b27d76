// Package session is ratchat's Signal-protocol engine: X3DH and PQXDH key
// agreement, the triple ratchet (the Double Ratchet with SPQR, package
// spqr, beside it), and libsignal's message format.
//
// It is pure: no I/O, no clock, no global state. Randomness comes in as an
// io.Reader, prekeys through the [PreKeys] interface, and the state goes out
// as bytes ([Session.MarshalBinary]) for the caller to store.
//
// # Starting a session
//
// The initiator calls [Initiate] with the peer's prekey bundle. The bundle
// decides the protocol: with a KEM prekey, PQXDH (message version 4);
// without, X3DH (version 3, only for legacy peers: libsignal refuses it).
// Callers that must not fall back to X3DH check the bundle for a KEM
// prekey first. Until the first reply, [Session.Encrypt] produces
// PreKeySignalMessages.
//
// # The triple ratchet
//
// Every PQXDH session runs SPQR V1 as libsignal does: each message carries
// its SPQR message in SignalMessage field 5, and the SPQR key salts its
// message keys. A message without SPQR is refused ([ErrPQRatchet]).
// Sessions without SPQR (X3DH, or stored before ratchat spoke it) still
// decrypt; [Session.SPQR] tells the caller to start a new session before
// sending on one, and [Session.Supersede] keeps the old one readable.
// [Session.SPQREpoch] tells how far the post-quantum ratchet has turned.
//
// The responder needs no step of its own: [Session.Decrypt] on an empty
// [Session] with a PreKeySignalMessage runs its half of the agreement and
// reports, in [Decrypted], which one-time and KEM prekeys it used.
//
// # Sender keys
//
// Group messages use libsignal's sender keys: [NewSenderKey] starts a
// member's chain and returns the [SenderKeyDistributionMessage] that goes
// pairwise to every member, who stores it with [SenderKeyRecord.Process];
// [SenderKeyRecord.Encrypt] makes a SenderKeyMessage once for the whole
// group, and each member's [SenderKeyRecord.Decrypt] reads it.
// [SenderKeyMessageDistribution] tells which record a message needs.
// Rotating is calling [NewSenderKey] again with the same [DistributionID].
//
// # Guarantees
//
// Every message key is used once and then deleted. Decryption works on the
// side and commits only after the MAC verified: any error leaves the
// session exactly as it was; the same holds for a [SenderKeyRecord],
// which commits only after the signature and the padding checked. Errors
// are the sentinels in errors.go.
//
// A Session is not safe for concurrent use. docs/PROTOCOL.md has the exact
// formats, labels and limits.
package session
