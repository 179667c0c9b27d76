//go:build !unix

package mailbox

import (
	"os"
	"path/filepath"
)

// lockDir creates the lock file; where flock does not exist, two homes
// on one data folder are not detected.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, LockFileName), os.O_RDWR|os.O_CREATE, 0o600)
}
