package store

import (
	"bytes"
	"fmt"
	"os"
)

// PassphraseEnv is the environment variable [PassphraseFromEnv] reads: a
// non-interactive unlock for scripts and tests.
const PassphraseEnv = "RATCHAT_PASSPHRASE"

// maxPassphraseFile bounds what [ReadPassphraseFile] reads.
const maxPassphraseFile = 4096

// ReadPassphraseFile reads a passphrase from a file (--passphrase-file):
// its first line, without the line ending. It fails with
// [ErrPassphraseFileMode] if other users may read the file, as ssh refuses
// a private key they could read: such a passphrase is no longer secret.
func ReadPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: reading passphrase file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: reading passphrase file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, ErrPassphraseFileMode
	}
	buf := make([]byte, maxPassphraseFile+1)
	n, _ := f.Read(buf)
	if n > maxPassphraseFile {
		return nil, fmt.Errorf("store: passphrase file longer than %d bytes", maxPassphraseFile)
	}
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return nil, ErrEmptyPassphrase
	}
	return bytes.Clone(line), nil
}

// PassphraseFromEnv returns the passphrase in $RATCHAT_PASSPHRASE, and
// whether the variable was set and not empty.
func PassphraseFromEnv() ([]byte, bool) {
	v := os.Getenv(PassphraseEnv)
	return []byte(v), v != ""
}
