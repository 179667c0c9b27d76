//go:build ratchat_testkdf

package cli

import (
	"os"

	"ratchat/store"
)

// testKDFEnv names the environment variable that, set to "fast", makes new
// key rings nearly free to derive. Only binaries built with the tag
// ratchat_testkdf read it: end-to-end tests build one.
const testKDFEnv = "RATCHAT_TEST_KDF"

func init() {
	if os.Getenv(testKDFEnv) == "fast" {
		extraStoreOptions = []store.Option{store.WithKDF(fastKDF)}
	}
}
