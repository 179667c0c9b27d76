package cli

import (
	"errors"
	"fmt"
	"strings"

	"ratchat/chat"
	"ratchat/config"
	"ratchat/store"
	"ratchat/ui"
)

// The exit codes, as `ratchat help` lists them.
const (
	exitOK              = 0 // done
	exitFailure         = 1 // anything else went wrong
	exitUsage           = 2 // a command line ratchat does not understand
	exitWrongPassphrase = 3 // the passphrase does not open the profile
	exitLocked          = 4 // the profile is open in another ratchat
	exitNoProfile       = 5 // no profile there yet (or one exists already, for init)
	exitNotFound        = 6 // no such contact or message, or several of that name or id
	exitMismatch        = 7 // the safety numbers differ
	exitTimeout         = 8 // the message was not sent in time; it stays queued
	exitBackup          = 9 // the backup cannot be opened (wrong key, altered or cut short) or is of another identity
)

// exitCodes lists the codes for the help text.
const exitCodes = `Exit codes:
  0  done
  1  failure
  2  usage error
  3  wrong passphrase
  4  profile is open in another ratchat
  5  no profile there (or, for init, one exists already)
  6  no such contact, group, member or message (or several of that name
     or id: give the contact's id, or more of the message's id)
  7  the safety numbers differ
  8  not sent in time (the message stays queued)
  9  the backup cannot be opened (wrong key, altered, truncated),
     or it is of another identity (restore it with --force)
`

// usageError is a command line ratchat does not understand.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usage error.
func usagef(format string, a ...any) error {
	return &usageError{fmt.Sprintf(format, a...)}
}

// exitCode maps an error to its exit code.
func exitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, chat.ErrWrongPassphrase):
		return exitWrongPassphrase
	case errors.Is(err, store.ErrLocked):
		return exitLocked
	case errors.Is(err, store.ErrNoProfile), errors.Is(err, store.ErrExists):
		return exitNoProfile
	case errors.Is(err, chat.ErrNoContact), errors.Is(err, chat.ErrAmbiguous),
		errors.Is(err, chat.ErrNoMessage), errors.Is(err, chat.ErrAmbiguousMessage),
		errors.Is(err, chat.ErrNotGroup), errors.Is(err, chat.ErrNotMember):
		return exitNotFound
	case errors.Is(err, chat.ErrBadEmoji):
		return exitUsage
	case errors.Is(err, chat.ErrMalformedCode):
		return exitUsage // a typo is no "different number"
	case errors.Is(err, chat.ErrCodeMismatch):
		return exitMismatch
	case errors.Is(err, chat.ErrTimeout):
		return exitTimeout
	case errors.Is(err, store.ErrBackupKey), errors.Is(err, store.ErrBackupCorrupt),
		errors.Is(err, store.ErrBackupTruncated), errors.Is(err, store.ErrNotBackup),
		errors.Is(err, store.ErrBackupVersion), errors.Is(err, store.ErrInvalidRecoveryKey),
		errors.Is(err, store.ErrOtherIdentity):
		return exitBackup
	}
	return exitFailure
}

// exit prints an error as one line on standard error and returns its code.
func (c *cli) exit(err error) int {
	code := exitCode(err)
	var bad *config.Error
	if errors.As(err, &bad) {
		// One line per problem, each with the file and its line.
		for _, p := range bad.Problems {
			fmt.Fprintf(c.stderr, "ratchat: %s\n", (&config.Error{File: bad.File, Problems: []config.Problem{p}}).Error())
		}
		fmt.Fprintf(c.stderr, "ratchat: fix the configuration file ('ratchat config' prints the names and defaults)\n")
		return code
	}
	if err != nil {
		msg := strings.Join(strings.Fields(ui.ErrorText(err)), " ")
		fmt.Fprintf(c.stderr, "ratchat: %s\n", hint(msg, code))
	}
	return code
}

// hint adds what to do next to the errors people meet most.
func hint(msg string, code int) string {
	switch code {
	case exitNoProfile:
		if strings.Contains(msg, "already") {
			return msg
		}
		return msg + " (run 'ratchat' or 'ratchat init' to create one)"
	case exitLocked:
		return msg + " (close the other ratchat first)"
	case exitUsage:
		if strings.Contains(msg, "ratchat help") {
			return msg
		}
		return msg + " (see 'ratchat help')"
	}
	return msg
}
