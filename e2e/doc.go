// Package e2e holds ratchat's end-to-end test: it builds the binary and
// drives two ratchat processes in tmux, as two people on one machine
// would use them, reading their screens with capture-pane. It has no code
// outside its tests.
package e2e
