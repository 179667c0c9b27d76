package cli

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"ratchat/api"
	"ratchat/chat"
)

var serveCommand = &command{
	brief: "run the profile without the interface, answering its api socket",
	name:  "serve",
	args:  "",
	summary: "Run the profile headless: it delivers and receives messages, runs timers and automatic\n" +
		"backups, and answers JSON-RPC 2.0 on the socket " + api.SocketName + " in the profile folder, which\n" +
		"'ratchat send', 'contacts', 'messages' ... use while it runs. Logs go to standard error.\n" +
		"It runs until SIGINT or SIGTERM. Business mode: --http serves the same api over HTTP\n" +
		"(POST /rpc, GET /events, GET /metrics) to holders of a token ('ratchat token create'),\n" +
		"routes new conversations to agents (--route), runs the webhooks ('ratchat webhook add')\n" +
		"and, with --archive, keeps the compliance archive. docs/API.md is the reference.",
	example: "ratchat serve --profile work --passphrase-file ~/.ratchat-pass --http 127.0.0.1:8080 --archive",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		o.serveParts = makeServeParts()
		for _, p := range o.serveParts {
			p.flags(fs)
		}
	},
	nargs: [2]int{0, 0},
	run:   runServe,
}

// runServe serves the profile until a signal asks it to stop.
func runServe(c *cli, _ []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.serve(ctx)
}

// serve opens the profile, answers its api socket, and logs what happens
// until ctx ends; then it closes the socket (removing it) and the profile.
func (c *cli) serve(ctx context.Context) error {
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	p, err := c.profile()
	if err != nil {
		return err
	}
	p.Logger = log
	cfg, err := c.config()
	if err != nil {
		return err
	}
	m, err := c.openProfile(withPrivacy(p, cfg))
	if err != nil {
		return err
	}
	srv := api.NewServer(m, api.Config{Logger: log})
	if err := srv.Listen(); err != nil {
		return errors.Join(err, m.Close())
	}
	env := &serveEnv{M: m, API: srv, Log: log, Dir: p.Dir, Mux: http.NewServeMux()}
	var stops []func() error
	stopAll := func() error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		return errors.Join(errs...)
	}
	if c.o.serveParts == nil { // serve called without its flags (tests)
		c.o.serveParts = makeServeParts()
	}
	for _, part := range c.o.serveParts {
		stop, err := part.start(ctx, c, env)
		if err != nil {
			return errors.Join(err, stopAll(), srv.Close(), m.Close())
		}
		if stop != nil {
			stops = append(stops, stop)
		}
	}
	log.Info("serving", "profile", p.Dir, "home", m.Home())
	logEvents(ctx, log, m.Events())
	log.Info("stopping")
	return errors.Join(stopAll(), srv.Close(), m.Close())
}

// logEvents logs the messenger's events, never their content, until ctx
// ends (the messenger keeps them queued for a reader otherwise).
func logEvents(ctx context.Context, log *slog.Logger, events <-chan chat.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch e := ev.(type) {
			case chat.MessageReceived:
				log.Info("message received", "contact", e.Contact)
			case chat.StatusChanged:
				log.Debug("status changed", "contact", e.Contact, "status", e.Status)
			case chat.HomeState:
				log.Info("home", "connected", e.Connected, "err", e.Err)
			case chat.IdentityChanged:
				log.Warn("a contact's identity key changed; sending to it is held", "contact", e.Contact)
			case chat.FileReceived:
				log.Info("file received", "contact", e.Contact)
			}
		}
	}
}
