package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"ratchat/store"
)

// errRestoreDeclined is returned when the person at the terminal does not
// confirm a restore over an existing profile.
var errRestoreDeclined = errors.New("restore cancelled: the profile is unchanged")

// maxAnswer bounds the answer to a yes/no question.
const maxAnswer = 64

// confirmRestore asks before a restore replaces the existing profile in
// dir: --yes answers for scripts; on a terminal the question is asked;
// anywhere else the restore is refused, naming --yes. Why ask at all: a
// restore replaces every message since the backup was made, and no undo
// brings them back.
func (c *cli) confirmRestore(dir string) error {
	if c.o.yes {
		return nil
	}
	in, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return usagef("a profile exists in %s and restoring replaces its history: "+
			"run on a terminal to confirm, or add --yes", dir)
	}
	yes, err := askYes(in, c.stderr, fmt.Sprintf("Replace the profile in %s with this backup? [y/N] ", dir))
	if err != nil {
		return err
	}
	if !yes {
		return errRestoreDeclined
	}
	return nil
}

// askYes writes the question to w and reads one line from r: true for y
// or yes (any case); no, an empty line or the end of the input is false.
// It reads a byte at a time, so that nothing after the line is taken from
// r (a passphrase prompt reads it next).
func askYes(r io.Reader, w io.Writer, question string) (bool, error) {
	fmt.Fprint(w, question)
	var line []byte
	b := make([]byte, 1)
	for len(line) < maxAnswer {
		n, err := r.Read(b)
		if n == 1 && b[0] == '\n' {
			break
		}
		line = append(line, b[:n]...)
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(w)
			break
		}
		if err != nil {
			return false, fmt.Errorf("reading the answer: %w", err)
		}
	}
	switch strings.ToLower(strings.TrimSpace(string(line))) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// restoreProgress shows how much of a backup a restore has read, on
// standard error: one line rewritten in place on a terminal, a plain line
// every 10 % otherwise (a log or a script's capture).
type restoreProgress struct {
	w    io.Writer
	tty  bool
	last int // the last percentage shown; -1 before the first
}

// newRestoreProgress returns the progress line for w, in place when w is
// a terminal.
func newRestoreProgress(w io.Writer) *restoreProgress {
	f, ok := w.(*os.File)
	return &restoreProgress{w: w, tty: ok && term.IsTerminal(int(f.Fd())), last: -1}
}

// report shows a progress report of the restore (bytes of the backup).
func (p *restoreProgress) report(pr store.Progress) {
	if pr.Total <= 0 {
		return
	}
	pct := int(min(100, max(0, 100*pr.Done/pr.Total)))
	if !p.tty {
		pct -= pct % 10
	}
	if pct <= p.last {
		return
	}
	p.last = pct
	line := fmt.Sprintf("restoring: %3d%%", pct)
	if pct == 100 {
		line += ", the backup checked out"
	}
	if p.tty {
		fmt.Fprint(p.w, "\r"+line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// start shows 0 % on a terminal before the first report, which comes
// after the first megabyte (or at the end of a smaller backup), so that
// the person waiting sees the restore has begun. A log gets no line
// before there is progress: a wrong key then fails with one line.
func (p *restoreProgress) start() {
	if p.tty {
		p.report(store.Progress{Done: 0, Total: 1})
	}
}

// end finishes the line rewritten in place.
func (p *restoreProgress) end() {
	if p.tty && p.last >= 0 {
		fmt.Fprintln(p.w)
	}
}
