package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"

	"ratchat/api"
	"ratchat/chat"
)

// The HTTP endpoint of business mode: `serve --http ADDR` serves env.Mux
// (POST /rpc here, /events and /metrics from their parts) to holders of a
// token, and routes new conversations to agents.
func init() { addServePart(100, func() servePart { return &httpPart{} }) }

// httpPart is serve's HTTP endpoint and router.
type httpPart struct {
	addr       string
	routes     routeFlags
	signAgents bool
	maxConns   int
}

// routeFlags collects --route rules.
type routeFlags []chat.RouteRule

// String returns the rules as given.
func (r *routeFlags) String() string { return fmt.Sprint(*r) }

// Set adds a rule.
func (r *routeFlags) Set(s string) error {
	if len(*r) >= chat.MaxRouteRules {
		return fmt.Errorf("at most %d --route rules", chat.MaxRouteRules)
	}
	rule, err := chat.ParseRouteRule(s)
	if err != nil {
		return err
	}
	*r = append(*r, rule)
	return nil
}

// flags registers --http, --route, --sign-agents and --http-max-conns.
func (p *httpPart) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.addr, "http", "", "serve the api over HTTP on `ADDR` (127.0.0.1:PORT) to holders of a token (see 'ratchat token')")
	fs.Var(&p.routes, "route", "with --http: route conversations whose first message holds a word to agents with a skill: `SKILL=WORD,WORD` (repeatable; the first match wins)")
	fs.BoolVar(&p.signAgents, "sign-agents", false, "with --http: end an agent's messages with \"— NAME\" (by default a customer sees nothing of who answers)")
	fs.IntVar(&p.maxConns, "http-max-conns", api.DefaultHTTPMaxConns, "with --http: the most HTTP connections open at once")
}

// start listens, last of serve's parts, once every handler is on the mux,
// and runs the router.
func (p *httpPart) start(ctx context.Context, _ *cli, env *serveEnv) (func() error, error) {
	if p.addr == "" {
		if len(p.routes) > 0 || p.signAgents {
			return nil, usagef("--route and --sign-agents go with --http")
		}
		return nil, nil
	}
	env.API.SetSignAgents(p.signAgents)
	env.Mux.HandleFunc(api.PathEvents, env.API.ServeEvents) // part A's stream, behind our tokens
	hs, err := env.API.ListenHTTP(p.addr, env.API.Handler(env.Mux), api.HTTPConfig{MaxConns: p.maxConns})
	if err != nil {
		return nil, err
	}
	env.Log.Info("http api listening", "addr", hs.Addr(), "routes", len(p.routes), "sign_agents", p.signAgents)
	if !onLoopback(hs.Addr()) {
		env.Log.Warn("the http api listens beyond this machine without TLS: tokens and messages cross the network "+
			"in the clear; serve it on 127.0.0.1 behind a TLS reverse proxy or an SSH tunnel", "addr", hs.Addr())
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		err := env.M.RunRouter(rctx, p.routes)
		if err != nil && !errors.Is(err, context.Canceled) {
			env.Log.Error("the router stopped: new conversations are not assigned", "err", err)
		}
		done <- err
	}()
	return func() error {
		cancel()
		rerr := <-done
		if errors.Is(rerr, context.Canceled) {
			rerr = nil
		} else if rerr != nil {
			rerr = fmt.Errorf("the router stopped: %w", rerr)
		}
		return errors.Join(hs.Close(), rerr)
	}, nil
}

// onLoopback reports whether a listening address (host:port) is on the
// loopback interface only: plain HTTP is safe there and nowhere else.
func onLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
