// Package cli is ratchat's command line: one file per command, each
// parsing its flags and then driving the messenger core (package chat),
// and the interface (package ui) when run without a command. The commands
// that read or write a profile's chats call its api (package api): through
// the socket of the process that owns the profile (the interface, `ratchat
// serve`), or in-process on the profile they open themselves.
//
// # Exit codes
//
// Every command returns one of the codes `ratchat help` lists (exit.go):
// scripts can tell a wrong passphrase from a missing contact from a
// timeout without reading the message.
//
// # Test builds
//
// Built with the tag ratchat_testkdf, the binary honours
// RATCHAT_TEST_KDF=fast (a near-free Argon2id cost, for end-to-end tests);
// a binary built without the tag never does.
package cli
