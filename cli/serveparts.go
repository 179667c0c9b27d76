package cli

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"sort"

	"ratchat/api"
	"ratchat/chat"
)

// servePart is one feature of business mode that `ratchat serve` runs
// beside the api socket: the HTTP endpoint, the event consumers, the
// archive, webhooks, metrics. Each lives in its own serve_*.go file, which
// adds its maker to serveParts in an init function, so that the features
// stay apart and `serve` itself stays small.
type servePart interface {
	// flags registers the part's own flags; their values stay in the part.
	flags(fs *flag.FlagSet)
	// start begins the part's work on an open profile. It may add
	// handlers to env.Mux; stop (nil: nothing to stop) ends the work and
	// is called in the reverse order of start.
	start(ctx context.Context, c *cli, env *serveEnv) (stop func() error, err error)
}

// servePartMaker makes a fresh part for one invocation, with its own flag
// values (tests run serve several times in one process). order sorts the
// parts: lower starts first. The HTTP listener starts last, once every
// handler is on the mux.
type servePartMaker struct {
	order int
	make  func() servePart
}

// serveParts are the parts serve runs, added by init functions.
var serveParts []servePartMaker

// addServePart registers a part; init functions call it.
func addServePart(order int, make func() servePart) {
	serveParts = append(serveParts, servePartMaker{order: order, make: make})
	sort.SliceStable(serveParts, func(i, j int) bool { return serveParts[i].order < serveParts[j].order })
}

// serveEnv is what the parts share: the open profile, its api server, the
// log, and the mux of the HTTP endpoint (served only with --http).
type serveEnv struct {
	M   *chat.Messenger
	API *api.Server
	Log *slog.Logger
	Dir string // the profile folder
	Mux *http.ServeMux
}

// makeServeParts returns a fresh part of each kind, in start order.
func makeServeParts() []servePart {
	out := make([]servePart, len(serveParts))
	for i, p := range serveParts {
		out[i] = p.make()
	}
	return out
}
