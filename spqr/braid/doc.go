// Package braid is SPQR V1's sparse continuous key agreement, the ML-KEM
// Braid: two parties exchange an ML-KEM-768 key and ciphertext in 32-byte
// erasure-coded chunks riding on their ordinary messages, and every
// completed exchange yields the secret of one epoch.
//
// It is byte-compatible with Signal's SparsePostQuantumRatchet v1.5
// (libsignal 0.103): the states and transitions of src/v1/chunked, the
// key and MAC derivations of src/v1/unchunked and src/authenticator.rs, and
// the message format of src/v1/chunked/states/serialize.rs. The top-level
// spqr package adds the symmetric chain and version negotiation. The
// specification is signal.org's "ML-KEM Braid" page.
//
// # Use
//
// The party that started the session calls [InitA], the other [InitB], both
// with the authentication key from PQXDH. For every message it sends, a
// party calls [States.Send] and puts [Message.Serialize] in it; for every
// message it receives, [ParseMessage] then [States.Recv]. Either may return
// an [EpochSecret]: both parties get the same secret for each epoch, the
// send_ct side when it encapsulates, the send_ek side when it decapsulates.
//
// States is a value: Send and Recv return the next state and leave the
// receiver unchanged, so a refused message costs nothing. The package does
// no I/O and reads no clock; randomness comes in as an io.Reader.
//
// # Epochs
//
// Epoch 1 starts with A sending a key. In each epoch one side sends a
// header (ρ ‖ H(ek)) with its MAC, then the key vector; the other sends ct1
// as soon as it has the header and ct2 once it has the key; the roles swap
// for the next epoch. Messages from past epochs are ignored; a message
// from an epoch the peer cannot have reached is refused.
package braid
