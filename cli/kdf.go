package cli

import "ratchat/store"

// extraStoreOptions are added to every store the commands open. They are
// empty in a shipped binary; tests, and binaries built with the tag
// ratchat_testkdf (kdf_testkdf.go), set a near-free Argon2id cost.
var extraStoreOptions []store.Option

// fastKDF is the Argon2id cost of tests: about a millisecond, and no
// protection at all against guessing.
var fastKDF = store.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
