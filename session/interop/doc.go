// Package interop proves that ratchat's session package speaks the Signal
// protocol (message version 3, X3DH) byte-compatibly with an independent
// implementation, go.mau.fi/libsignal, and measures the two side by side.
//
// It is a nested Go module on purpose: go.mau.fi/libsignal is GPL-3.0 and
// must never enter ratchat's own module graph. Nothing outside this folder
// imports it. Run `go mod tidy` here, never in the repository root.
//
// # Files
//
//   - libsignal.go, store.go: libsignalPeer, a go.mau.fi/libsignal party
//     with in-memory stores, taking and giving bundles as raw values. Every
//     quirk of the library found on the way is commented where it bites.
//   - conversation_test.go: the two-party driver: many turns, shuffled and
//     late delivery, replays, every plaintext checked.
//   - libsignal_test.go: the harness against itself, and tests pinning the
//     library's wire quirks.
//   - ratchat_test.go, interop_test.go: ratchat's side, and the interop
//     tests in both directions.
//   - libsignal_bench_test.go, ratchat_bench_test.go: BenchmarkLibsignal and
//     BenchmarkRatchat, with the same sub-benchmarks.
//
// Both are measured in one run, for the ratio targets of the design:
//
//	go test -run '^$' -bench . -benchtime 2s
package interop
