package cli

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"golang.org/x/term"

	"ratchat/chat"
	"ratchat/store"
)

// Environment variables read by the commands, besides RATCHAT_PASSPHRASE
// (store.PassphraseEnv). They are for scripts and tests; on a terminal
// ratchat asks instead, without echo.
const (
	// newPassphraseEnv gives `ratchat passwd` the new passphrase.
	newPassphraseEnv = "RATCHAT_NEW_PASSPHRASE"
	// recoveryKeyEnv gives `ratchat backup restore` the recovery key.
	recoveryKeyEnv = "RATCHAT_RECOVERY_KEY"
)

var (
	errNoPassphrase = errors.New("no passphrase: run on a terminal, or set " +
		store.PassphraseEnv + " or --passphrase-file")
	errShortPassphrase   = fmt.Errorf("use a passphrase of at least %d characters", chat.MinPassphrase)
	errPassphrasesDiffer = errors.New("the two passphrases differ")
)

// passphrase returns the profile's passphrase: from --passphrase-file,
// $RATCHAT_PASSPHRASE, or a hidden prompt on the terminal.
func (c *cli) passphrase() ([]byte, error) {
	if c.g.passphraseFile != "" {
		return store.ReadPassphraseFile(c.g.passphraseFile)
	}
	if p, ok := store.PassphraseFromEnv(); ok {
		return p, nil
	}
	return c.prompt("Passphrase: ")
}

// newPassphrase returns a passphrase for a new key ring: from file or env
// as passphrase does (env names the variable), or typed twice on the
// terminal. It must be at least chat.MinPassphrase characters long.
func (c *cli) newPassphrase(file, env string) ([]byte, error) {
	var p []byte
	var err error
	switch {
	case file != "":
		p, err = store.ReadPassphraseFile(file)
	case os.Getenv(env) != "":
		p = []byte(os.Getenv(env))
	default:
		p, err = c.promptTwice()
	}
	if err != nil {
		return nil, err
	}
	if utf8.RuneCount(p) < chat.MinPassphrase {
		return nil, errShortPassphrase
	}
	return p, nil
}

// promptTwice asks for a new passphrase twice.
func (c *cli) promptTwice() ([]byte, error) {
	p, err := c.prompt("New passphrase: ")
	if err != nil {
		return nil, err
	}
	again, err := c.prompt("New passphrase again: ")
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(p, again) != 1 {
		return nil, errPassphrasesDiffer
	}
	return p, nil
}

// prompt reads a secret from the terminal without echo, or fails when
// standard input is no terminal.
func (c *cli) prompt(label string) ([]byte, error) {
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errNoPassphrase
	}
	fmt.Fprint(c.stderr, label)
	p, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(c.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, store.ErrEmptyPassphrase
	}
	return p, nil
}
